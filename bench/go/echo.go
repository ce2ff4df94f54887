// The Go echo server of bench/echo_bench.c: a goroutine per connection,
// reading at most 64 bytes at a time and writing back what it read, on one P
// (GOMAXPROCS=1 unless the environment says otherwise), so that it uses the
// one core the other servers get.
//
//	echo_go [PORT]
//
// listens on 127.0.0.1:PORT (default 0: a free port), prints "port N" once
// it listens, and serves until killed. Accepted sockets get TCP_NODELAY (Go's
// default, set explicitly). The soft fd limit is raised to 4096 first.
// Standard library only:
//
//	go build -o echo_go bench/go/echo.go
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
)

const chunk = 64

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "echo_go: "+format+"\n", args...)
	os.Exit(1)
}

func serve(c *net.TCPConn) {
	defer c.Close()
	var buf [chunk]byte
	for {
		n, err := c.Read(buf[:])
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	port := "0"
	switch len(os.Args) {
	case 1:
	case 2:
		port = os.Args[1]
	default:
		fmt.Fprintln(os.Stderr, "usage: echo_go [PORT]")
		os.Exit(64)
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < 4096 {
		rl.Cur = 4096
		if rl.Max < rl.Cur {
			rl.Cur = rl.Max
		}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:"+port)
	if err != nil {
		fail("listen: %v", err)
	}
	fmt.Printf("port %d\n", ln.Addr().(*net.TCPAddr).Port)
	tl := ln.(*net.TCPListener)
	for {
		c, err := tl.AcceptTCP()
		if err != nil {
			fail("accept: %v", err)
		}
		c.SetNoDelay(true)
		go serve(c)
	}
}
