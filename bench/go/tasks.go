// The Go peer of bench/task_bench.c: goroutine hand-offs, spawns and parked
// goroutines, one workload per run, on one P (GOMAXPROCS=1). task_bench runs
// it as a subprocess in every round and parses the one line it prints:
//
//	chan     HANDOFFS WALL CPU   two goroutines ping-ponging on unbuffered
//	                             channels
//	gosched  CALLS WALL CPU SWITCHES  two goroutines calling runtime.Gosched()
//	                             in turns (SWITCHES: the calls after which the
//	                             other one ran)
//	spawn    TASKS WALL CPU      go f(); wg.Wait(), one at a time
//	rss      TASKS BEFORE AFTER  RSS bytes before and with TASKS goroutines
//	                             blocked on a channel receive
//
// The counts printed are the ones the goroutines themselves produced (checked
// here, and checked again by task_bench against what it asked for). WALL and
// CPU are nanoseconds of the timed part only, process start-up excluded: by
// the wall clock, and in CPU time of the whole process (user + system, all
// threads, from getrusage). Standard library only:
//
//	go build -o tasks_go bench/go/tasks.go
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A point in time: wall clock and the CPU time of the process.
type stamp struct {
	wall time.Time
	cpu  int64
}

func now() stamp {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return stamp{time.Now(), ru.Utime.Nano() + ru.Stime.Nano()}
}

// The wall and CPU nanoseconds from s to now.
type span struct{ wall, cpu int64 }

func since(s stamp) span {
	t := now()
	return span{t.wall.Sub(s.wall).Nanoseconds(), t.cpu - s.cpu}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tasks_go: "+format+"\n", args...)
	os.Exit(1)
}

// Two goroutines, main and a partner, each round trip being two hand-offs:
// main sends on ping and blocks on pong, the partner receives, sends on pong
// and blocks on ping.
func chanPingPong(n int) (int, span) {
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	// One round trip outside the timing, so that the partner is running.
	ping <- -1
	if <-pong != 0 {
		fail("chan: bad warm-up reply")
	}
	v := 0
	start := now()
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	el := since(start)
	close(ping)
	if _, ok := <-pong; ok {
		fail("chan: partner did not close")
	}
	if v != n {
		fail("chan: %d replies, expected %d", v, n)
	}
	return 2 * v, el
}

// Two goroutines calling runtime.Gosched() n times each. With one P, a call
// hands the P to the other one, except that every 61st scheduling round takes
// from the global run queue first, where the yielder has just gone: the same
// goroutine then gets a second turn, ends ~2n/61 turns ahead, and makes its
// last Gosched calls alone. Returns the calls, and among them the hand-offs
// proper (the other goroutine ran in between), which must be most of them.
func goschedPingPong(n int) (int, int, span) {
	var wg sync.WaitGroup
	var count [2]int
	var switches [2]int
	worker := func(me int) {
		defer wg.Done()
		other := 1 - me
		seen := -1
		for i := 0; i < n; i++ {
			count[me]++
			if count[other] != seen {
				switches[me]++
				seen = count[other]
			}
			runtime.Gosched()
		}
	}
	wg.Add(2)
	start := now()
	go worker(0)
	go worker(1)
	wg.Wait()
	el := since(start)
	if count[0] != n || count[1] != n {
		fail("gosched: %d and %d yields, expected %d each", count[0], count[1], n)
	}
	sw := switches[0] + switches[1]
	if sw < 2*n*9/10 {
		fail("gosched: only %d of %d yields handed over to the other goroutine", sw, 2*n)
	}
	return count[0] + count[1], sw, el
}

// Start a goroutine, wait for it to finish, n times in a row.
func spawnJoin(n int) (int, span) {
	var wg sync.WaitGroup
	count := 0
	f := func() {
		count++
		wg.Done()
	}
	start := now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go f()
		wg.Wait()
	}
	el := since(start)
	if count != n {
		fail("spawn: %d goroutines ran, expected %d", count, n)
	}
	return count, el
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		fail("rss: %v", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		fail("rss: bad /proc/self/statm")
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		fail("rss: %v", err)
	}
	return pages * int64(os.Getpagesize())
}

// n goroutines blocked on a channel receive: RSS before and after they are
// all parked; then they are released and the wake-ups counted.
func parked(n int) (int, int64, int64) {
	release := make(chan struct{})
	var started, done sync.WaitGroup
	woken := 0
	var mu sync.Mutex
	runtime.GC()
	before := rssBytes()
	started.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-release
			mu.Lock()
			woken++
			mu.Unlock()
			done.Done()
		}()
	}
	started.Wait()
	after := rssBytes()
	if g := runtime.NumGoroutine(); g < n+1 {
		fail("rss: %d goroutines alive, expected at least %d", g, n+1)
	}
	close(release)
	done.Wait()
	if woken != n {
		fail("rss: %d goroutines woke, expected %d", woken, n)
	}
	return woken, before, after
}

func main() {
	mode := flag.String("mode", "", "chan, gosched, spawn or rss")
	n := flag.Int("n", 1000000, "round trips (chan), yields per goroutine (gosched), goroutines (spawn, rss)")
	flag.Parse()
	if *n < 1 {
		fail("-n must be at least 1")
	}
	runtime.GOMAXPROCS(1)
	switch *mode {
	case "chan":
		h, el := chanPingPong(*n)
		fmt.Printf("chan %d %d %d\n", h, el.wall, el.cpu)
	case "gosched":
		h, sw, el := goschedPingPong(*n)
		fmt.Printf("gosched %d %d %d %d\n", h, el.wall, el.cpu, sw)
	case "spawn":
		c, el := spawnJoin(*n)
		fmt.Printf("spawn %d %d %d\n", c, el.wall, el.cpu)
	case "rss":
		c, before, after := parked(*n)
		fmt.Printf("rss %d %d %d\n", c, before, after)
	default:
		fail("usage: tasks_go -mode chan|gosched|spawn|rss [-n N]")
	}
}
