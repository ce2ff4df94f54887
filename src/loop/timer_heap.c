/* A 4-ary min-heap of timers in one array, keyed on (deadline, seq). Each
 * 16-byte node caches its key beside the slot, so sifting touches only the
 * array; each watcher knows its node's index, so removal is O(log n). A
 * 4-ary heap is half as deep as a binary one, and the four children of a
 * node share one cache line. */
#include "loop/loop.h"
#include "platform/alloc.h"

#define ARITY 4

static inline bool before(const struct ed__heap_node *a, const struct ed__heap_node *b)
{
    return a->deadline < b->deadline ||
           (a->deadline == b->deadline && (int32_t)(a->seq - b->seq) < 0);
}

static inline void place(struct ed__heap *h, struct ed__watcher *w, size_t i,
                         struct ed__heap_node node)
{
    h->nodes[i] = node;
    w[node.slot].u.timer.heap_index = (uint32_t)i;
}

static void sift_up(struct ed__heap *h, struct ed__watcher *w, size_t i)
{
    struct ed__heap_node node = h->nodes[i];
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (!before(&node, &h->nodes[parent]))
            break;
        place(h, w, i, h->nodes[parent]);
        i = parent;
    }
    place(h, w, i, node);
}

void ed__heap_sift_down(struct ed__heap *h, struct ed__watcher *w, size_t i)
{
    struct ed__heap_node node = h->nodes[i];
    for (;;) {
        size_t first = i * ARITY + 1;
        if (first >= h->len)
            break;
        const struct ed__heap_node *c = &h->nodes[first];
        size_t best = first;
        if (first + ARITY <= h->len) { /* all four children: no bounds checks */
            size_t a = before(&c[1], &c[0]) ? 1 : 0;
            size_t b = before(&c[3], &c[2]) ? 3 : 2;
            best += before(&c[b], &c[a]) ? b : a;
        } else {
            for (size_t k = first + 1; k < h->len; k++)
                if (before(&h->nodes[k], &h->nodes[best]))
                    best = k;
        }
        if (!before(&h->nodes[best], &node))
            break;
        place(h, w, i, h->nodes[best]);
        i = best;
    }
    place(h, w, i, node);
}

int ed__heap_reserve(struct ed__heap *h, size_t n)
{
    return ed__grow((void **)&h->nodes, &h->cap, n, sizeof *h->nodes);
}

void ed__heap_push(struct ed__heap *h, struct ed__watcher *w, uint32_t slot, uint32_t seq)
{
    h->nodes[h->len] = (struct ed__heap_node){
        .deadline = w[slot].u.timer.deadline,
        .seq = seq,
        .slot = slot,
    };
    sift_up(h, w, h->len++);
}

void ed__heap_remove(struct ed__heap *h, struct ed__watcher *w, size_t index)
{
    size_t last = --h->len;
    if (index == last)
        return;
    place(h, w, index, h->nodes[last]);
    if (index > 0 && before(&h->nodes[index], &h->nodes[(index - 1) / ARITY]))
        sift_up(h, w, index);
    else
        ed__heap_sift_down(h, w, index);
}

void ed__heap_free(struct ed__heap *h)
{
    ed__free(h->nodes);
    h->nodes = NULL;
    h->len = h->cap = 0;
}
