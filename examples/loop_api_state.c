/* Loop::getState() and Loop::setState(), from amphp's event loop API
 * (seed 004):
 *
 *     $resolver = Loop::getState(self::class) ?? ...;
 *     Loop::setState(self::class, $resolver);
 *
 * "It is impracticable to pass a DnsResolver into everything that needs a
 * network connection": getState and setState store loop-bound singletons
 * such as a resolver. "Applications should generally not use these
 * methods."
 *
 * In C, ed_state_set(key, value, destroy) and ed_state_get(key). eddy has
 * one loop per thread, so this is per-thread state; destroy runs when the
 * value is replaced or deleted, or when the loop is freed (ed_shutdown(),
 * or the thread's exit). Keys starting with "eddy." are eddy's own.
 *
 * The singleton here is a small name cache in front of getaddrinfo(), which
 * runs on eddy's thread pool (ed_blocking) so that a slow lookup never
 * stalls the loop. It resolves "localhost" only: no network is needed. */
#include <eddy.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOLVER_KEY "example.resolver"

struct resolver {
    char name[64];
    int family; /* of the cached name's first address */
    int hits, misses;
};

static void resolver_destroy(void *value)
{
    struct resolver *r = value;
    printf("resolver destroyed with its loop: %d lookups, %d from the cache\n", r->hits + r->misses,
           r->hits);
    free(r);
}

/* The loop's resolver, created on first use. */
static struct resolver *resolver(void)
{
    struct resolver *r = ed_state_get(RESOLVER_KEY);
    if (r)
        return r;
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    if (ed_state_set(RESOLVER_KEY, r, resolver_destroy) < 0) {
        free(r);
        return NULL;
    }
    printf("first use: a resolver is stored on this thread's loop\n");
    return r;
}

/* Runs on a worker thread: it may block. */
static int lookup(void *arg, void **result)
{
    struct addrinfo *ai;
    int rc = getaddrinfo(arg, NULL, &(struct addrinfo){.ai_socktype = SOCK_STREAM}, &ai);
    if (rc != 0)
        return rc == EAI_NONAME ? -ENOENT : -EIO;
    *result = (void *)(intptr_t)ai->ai_family;
    freeaddrinfo(ai);
    return 0;
}

static int resolve(const char *name, int *family)
{
    struct resolver *r = resolver();
    if (!r)
        return -ENOMEM;
    if (strcmp(r->name, name) == 0) {
        r->hits++;
        *family = r->family;
        return 0;
    }
    void *fam;
    int rc = ed_blocking(lookup, (void *)name, &fam); /* the loop runs meanwhile */
    if (rc < 0)
        return rc;
    r->misses++;
    snprintf(r->name, sizeof r->name, "%s", name);
    *family = r->family = (int)(intptr_t)fam;
    return 0;
}

/* Two unrelated tasks: neither is handed the resolver, both find it. */
static int connect_somewhere(void *arg, void **result)
{
    (void)result;
    int family;
    int rc = resolve("localhost", &family);
    if (rc < 0)
        return rc;
    printf("%s: localhost is an %s address\n", (const char *)arg,
           family == AF_INET6 ? "IPv6" : "IPv4");
    return 0;
}

int main(void)
{
    int rc = ed_main(connect_somewhere, "task 1", NULL);
    if (rc == 0)
        rc = ed_main(connect_somewhere, "task 2", NULL);
    if (rc == 0)
        printf("the same resolver in both tasks: %s\n", ed_state_get(RESOLVER_KEY) ? "yes" : "no");
    if (rc < 0) {
        fprintf(stderr, "loop_api_state: %s\n", ed_strerror(rc));
        return 1;
    }
    ed_shutdown(); /* frees the loop, and with it the resolver */
    printf("after ed_shutdown(), a new loop has no resolver: %s\n",
           ed_state_get(RESOLVER_KEY) ? "wrong" : "right");
    return ed_shutdown() < 0;
}
