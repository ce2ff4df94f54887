/* The event loop's internal state, shared by the files of src/loop/.
 *
 * Watchers live in a slab (one array, a free list threaded through unused
 * slots). An id is (generation << 32 | slot): lookup is an index plus a
 * generation check, so a stale id can never reach the slot's next tenant.
 * A slot whose 32-bit generation would wrap is retired, never reused, which
 * keeps "ids are never reused" literally true.
 *
 * A watcher is ENABLED from creation or ed_enable() on, but it only becomes
 * ACTIVE (in the timer heap, in the driver's interest set, in the signal
 * mask) at the start of the next tick: enabling queues it on `pending`.
 * That single rule gives "nothing fires in the tick that created or enabled
 * it" for every watcher type, and a timer created and cancelled within one
 * tick never touches the heap. Disabling takes effect at once and bumps the
 * watcher's epoch, so entries queued for an earlier enabling go stale.
 * Defers skip the pending queue: they go straight to the next tick's defer
 * queue.
 *
 * Callbacks may create, cancel and resize anything, so code that calls one
 * never keeps a watcher pointer across the call: slots are re-read by index.
 */
#ifndef EDDY_LOOP_H
#define EDDY_LOOP_H

#include <eddy.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "driver/driver.h"
#include "platform/clock.h"

enum {
    W_ENABLED = 1,
    W_REFERENCED = 2,
    W_ACTIVE = 4, /* known to the heap, the driver or the signal mask */
};

#define W_FREE 0xff  /* type of an unused slot */
#define ED__NSIG 64  /* signals 1..64: one bit each in a 64-bit mask */
#define ED__EVENTS 256
#define ED__MSG_MAX 512

struct ed__watcher {
    uint32_t gen;
    uint8_t type; /* ed_watcher_type, or W_FREE */
    uint8_t flags;
    uint16_t unused;
    uint32_t epoch; /* bumped on disable, so queued entries go stale */
    int32_t line;
    union {
        ed_callback plain;
        ed_io_callback io;
        ed_signal_callback sig;
    } cb;
    void *data;
    const char *file;
    union {
        struct {
            int64_t deadline; /* ns on the loop clock */
            int64_t interval; /* ns */
            uint32_t heap_index;
        } timer;
        struct {
            int fd;          /* the fd, or the signal number */
            uint32_t prev;   /* siblings on the same fd or signal: slot + 1, 0 = none */
            uint32_t next;
        } link;
        uint32_t next_free; /* slot + 1, 0 = none */
    } u;
};

_Static_assert(sizeof(struct ed__watcher) == 64, "a watcher fills one cache line");

/* seq breaks ties among equal deadlines: FIFO by activation order. It is
 * compared with wrap-around, which is exact while the timers sharing one
 * deadline were activated less than 2^31 activations apart. */
struct ed__heap_node {
    int64_t deadline;
    uint32_t seq;
    uint32_t slot;
};

struct ed__heap {
    struct ed__heap_node *nodes;
    size_t len, cap;
};

/* A list of watchers threaded through their u.link fields: slot + 1. */
struct ed__list {
    uint32_t head, tail;
};

struct ed__fd {
    struct ed__list watchers;
    uint8_t mask; /* interest registered with the driver */
    bool lazy;    /* mask holds interest no active watcher wants any more */
    bool owned;   /* eddy's own (a stream's): its number cannot be reused behind us */
    bool drained; /* for the I/O layer: its last read came back short */
};

/* A queued enabling of a watcher (defer queues, pending queue). */
struct ed__queue_entry {
    uint32_t slot, gen, epoch;
};

struct ed__microtask {
    void (*fn)(void *);
    void *arg;
};

struct ed__state_entry {
    char *key;
    void *value;
    void (*destroy)(void *value);
    struct ed__state_entry *next;
};

struct ed__loop {
    const struct ed__driver_ops *drv;
    void *drv_state;

    struct ed__watcher *w;
    size_t w_cap;
    uint32_t w_used;    /* slots ever handed out */
    uint32_t free_head; /* slot + 1 */
    size_t alive;       /* enabled and referenced: ed_run() goes on while > 0 */
    size_t timers;      /* delay and repeat watchers: the heap never holds more */

    struct ed__heap heap;
    uint32_t next_seq;

    struct ed__fd *fds;
    size_t fd_cap;
    uint32_t cursor; /* next slot + 1 of the list being dispatched */

    struct ed__queue_entry *defers, *defers_next;
    size_t defers_len, defers_cap, defers_next_len, defers_next_cap;
    struct ed__queue_entry *pending;
    size_t pending_len, pending_cap;

    struct ed__microtask *micro; /* a ring; capacity a power of two */
    size_t micro_head, micro_len, micro_cap;

    int64_t now;
    bool running;
    bool in_tick;
    bool stopping;
    /* Set by the task layer once it exists on this thread: ed_run(),
     * ed_run_once() and ed_shutdown() ask it first (op: ED__HOOK_*). Ticks
     * then run on a context of their own, which main switches to. */
    int (*task_hook)(struct ed__loop *L, int op);
    size_t micro_promised; /* microtask slots reserved for wake-ups */
    char fail_note[ED__MSG_MAX / 2]; /* ed_fail's text for the next callback report */

    ed_error_handler handler;
    void *handler_data;
    bool in_handler;
    int error; /* the first unhandled error of this run, 0 if none */
    char error_msg[ED__MSG_MAX];

    struct ed__state_entry *state;

    int sig_sink;   /* index in the process-wide sink table, -1 if none */
    int sig_fd;     /* its pipe's read end, watched through the driver */
    bool sig_ready; /* sig_fd polled readable this tick */
    struct ed__list sig_watchers[ED__NSIG + 1];
    uint32_t sig_active[ED__NSIG + 1];

    struct ed__io_event events[ED__EVENTS];
};

/* loop.c: the calling thread's loop. get() creates it (NULL and errno set if
 * that fails); peek() never does. initial-exec: one instruction to reach it,
 * instead of a call to __tls_get_addr. */
extern _Thread_local struct ed__loop *ed__current __attribute__((tls_model("initial-exec")));
struct ed__loop *ed__loop_create(void);

static inline struct ed__loop *ed__loop_get(void)
{
    return ed__current ? ed__current : ed__loop_create();
}

static inline struct ed__loop *ed__loop_peek(void)
{
    return ed__current;
}

static inline int64_t ed__loop_now(struct ed__loop *L)
{
    if (!L->in_tick)
        L->now = ed__clock_ns();
    return L->now;
}

/* watcher.c */
static inline bool ed__is_timer(int type)
{
    return type == ED_WATCHER_DELAY || type == ED_WATCHER_REPEAT;
}

static inline struct ed__watcher *ed__watcher_lookup(struct ed__loop *L, ed_id id)
{
    uint32_t slot = (uint32_t)id;
    if (slot >= L->w_used)
        return NULL;
    struct ed__watcher *W = &L->w[slot];
    return W->gen == (uint32_t)(id >> 32) && W->type != W_FREE ? W : NULL;
}

static inline ed_id ed__watcher_id(const struct ed__loop *L, const struct ed__watcher *W)
{
    return (uint64_t)W->gen << 32 | (uint32_t)(W - L->w);
}

/* The watcher a queue entry enabled, if that enabling still stands. */
static inline struct ed__watcher *ed__entry_watcher(struct ed__loop *L, struct ed__queue_entry e)
{
    /* A freed slot's generation has moved on, so gen alone rules it out. */
    struct ed__watcher *W = &L->w[e.slot];
    return W->gen == e.gen && W->epoch == e.epoch ? W : NULL;
}

static inline struct ed__queue_entry ed__entry_of(const struct ed__loop *L,
                                                  const struct ed__watcher *W)
{
    return (struct ed__queue_entry){(uint32_t)(W - L->w), W->gen, W->epoch};
}
/* A never used slot at the end of the slab; UINT32_MAX when out of memory. */
uint32_t ed__watcher_slot_fresh(struct ed__loop *L);

/* A new enabled, referenced watcher in a free slot; NULL when out of memory.
 * The caller sets the callback and the type's fields. Inline: it is half the
 * cost of a defer. */
static inline struct ed__watcher *ed__watcher_new(struct ed__loop *L, int type, void *data,
                                                  const char *file, int line)
{
    uint32_t slot;
    if (L->free_head) {
        slot = L->free_head - 1;
        L->free_head = L->w[slot].u.next_free;
    } else if ((slot = ed__watcher_slot_fresh(L)) == UINT32_MAX) {
        return NULL;
    }
    struct ed__watcher *W = &L->w[slot];
    W->type = (uint8_t)type;
    W->flags = W_ENABLED | W_REFERENCED;
    W->data = data;
    W->file = file ? file : "?";
    W->line = line;
    L->alive++;
    return W;
}

/* Returns a slot to the free list. A slot whose generation wraps is retired
 * instead, so no id is ever reused. */
static inline void ed__watcher_free(struct ed__loop *L, uint32_t slot)
{
    struct ed__watcher *W = &L->w[slot];
    if ((W->flags & (W_ENABLED | W_REFERENCED)) == (W_ENABLED | W_REFERENCED))
        L->alive--;
    W->type = W_FREE;
    W->flags = 0;
    if (++W->gen != 0) {
        W->u.next_free = L->free_head;
        L->free_head = slot + 1;
    }
}
/* Queues a newly enabled W for activation at the start of the next tick.
 * ed__reserve_pending() must have succeeded. */
void ed__watcher_arm(struct ed__loop *L, struct ed__watcher *W);
/* Clears ENABLED and ACTIVE and makes queued entries stale, without touching
 * the driver or the heap (the caller does, if it must). */
void ed__watcher_drop_enabled(struct ed__loop *L, struct ed__watcher *W);
void ed__activate_pending(struct ed__loop *L);
int ed__reserve_pending(struct ed__loop *L);
void ed__free_watchers(struct ed__loop *L);

/* Sends a callback's failure through the error path. */

/* defer.c and timer.c: the phases of a tick that run them. */
void ed__run_defers(struct ed__loop *L);
void ed__run_timers(struct ed__loop *L);

/* timer_heap.c: a 4-ary min-heap on (deadline, seq). */
int ed__heap_reserve(struct ed__heap *h, size_t n);
void ed__heap_push(struct ed__heap *h, struct ed__watcher *w, uint32_t slot, uint32_t seq);
void ed__heap_remove(struct ed__heap *h, struct ed__watcher *w, size_t index);
void ed__heap_sift_down(struct ed__heap *h, struct ed__watcher *w, size_t index);
void ed__heap_free(struct ed__heap *h);

/* io.c */
int ed__io_prepare(struct ed__loop *L, int fd);
void ed__list_append(struct ed__loop *L, struct ed__list *list, uint32_t slot);
void ed__list_remove(struct ed__loop *L, struct ed__list *list, uint32_t slot);
void ed__io_update(struct ed__loop *L, int fd);
/* Interest that no watcher wants any more stays registered with the
 * driver (lazy) until an event for it arrives, so a wait that follows a
 * wait on the same fd costs no syscall to drop and re-add it. Re-wanting
 * lazily kept interest is free only on an fd marked as eddy's own, whose
 * number cannot be reused behind the loop's back (its owner cancels its
 * watchers and disowns it before closing it); on any other fd the user may
 * have closed it and got the number again for another file, so the driver
 * is told again (one epoll_ctl instead of two). Disowning brings the
 * driver's registration in line at once. fd must have been prepared
 * (ed__io_prepare). */
void ed__io_own(struct ed__loop *L, int fd, bool owned);
void ed__io_dispatch(struct ed__loop *L, int n);
void ed__io_free(struct ed__loop *L);

/* signal.c */
int ed__signal_valid(int signo);
int ed__signal_prepare(struct ed__loop *L);
void ed__signal_activate(struct ed__loop *L, uint32_t slot);
void ed__signal_deactivate(struct ed__loop *L, int signo);
void ed__signal_dispatch(struct ed__loop *L);
void ed__signal_close(struct ed__loop *L);

/* error.c */
void ed__report(struct ed__loop *L, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ed__callback_failed(struct ed__loop *L, int err, ed_id id, int type, const char *file,
                         int line);

enum { ED__HOOK_RUN, ED__HOOK_ONCE, ED__HOOK_ONCE_BLOCK, ED__HOOK_SHUTDOWN };

/* microtask.c */
/* Makes the ring hold at least `need` entries: 0 or -ENOMEM. */
int ed__microtask_grow(struct ed__loop *L, size_t need);

/* Reserves room for one later push that must not fail (a wake-up). Inline:
 * every suspension does it. */
static inline int ed__microtask_reserve(struct ed__loop *L)
{
    size_t need = L->micro_len + L->micro_promised + 1;
    if (need > L->micro_cap && ed__microtask_grow(L, need) < 0)
        return -ENOMEM;
    L->micro_promised++;
    return 0;
}

static inline void ed__microtask_unreserve(struct ed__loop *L)
{
    L->micro_promised--;
}

static inline void ed__microtask_push_reserved(struct ed__loop *L, void (*fn)(void *), void *arg)
{
    L->micro_promised--;
    L->micro[(L->micro_head + L->micro_len++) & (L->micro_cap - 1)] =
        (struct ed__microtask){fn, arg};
}
void ed__microtasks_drain(struct ed__loop *L);
void ed__microtasks_free(struct ed__loop *L);

/* tick.c: one tick; for the task layer's own run loop. */
void ed__tick(struct ed__loop *L, bool may_block);
/* Whether anything could still happen: referenced watchers or microtasks. */
static inline bool ed__loop_busy(const struct ed__loop *L)
{
    return L->alive > 0 || L->micro_len > 0;
}

/* state.c */
void ed__state_free(struct ed__loop *L);

static inline void ed__callback_done(struct ed__loop *L, int rc, ed_id id, int type,
                                     const char *file, int line)
{
    if (rc < 0)
        ed__callback_failed(L, rc, id, type, file, line);
    else if (L->fail_note[0])
        L->fail_note[0] = 0; /* ed_fail, then success: the note is stale */
    if (L->micro_len)
        ed__microtasks_drain(L);
}

#endif
