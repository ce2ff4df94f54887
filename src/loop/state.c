/* Loop-bound state: a few named values per loop (a resolver, a pool), so a
 * short list beats a hash table. */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>
#include <string.h>

void *ed_state_get(const char *key)
{
    struct ed__loop *L = ed__loop_peek();
    if (!L || !key)
        return NULL;
    for (struct ed__state_entry *e = L->state; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e->value;
    return NULL;
}

int ed_state_set(const char *key, void *value, void (*destroy)(void *value))
{
    if (!key)
        return -EINVAL;
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -ENOMEM;
    struct ed__state_entry **at = &L->state;
    while (*at && strcmp((*at)->key, key) != 0)
        at = &(*at)->next;
    struct ed__state_entry *e = *at;

    if (!e) {
        if (!value)
            return 0;
        e = ed__alloc(sizeof *e);
        char *copy = e ? ed__strdup(key) : NULL;
        if (!copy) {
            ed__free(e);
            return -ENOMEM;
        }
        *e = (struct ed__state_entry){copy, value, destroy, L->state};
        L->state = e;
        return 0;
    }
    void *old = e->value;
    void (*old_destroy)(void *) = e->destroy;
    if (value) {
        e->value = value;
        e->destroy = destroy;
    } else {
        *at = e->next;
        ed__free(e->key);
        ed__free(e);
    }
    /* Last: the destructor may use eddy, and must see the new state. */
    if (old_destroy && old != value)
        old_destroy(old);
    return 0;
}

void ed__state_free(struct ed__loop *L)
{
    while (L->state) {
        struct ed__state_entry *e = L->state;
        L->state = e->next;
        void *value = e->value;
        void (*destroy)(void *) = e->destroy;
        ed__free(e->key);
        ed__free(e);
        if (destroy)
            destroy(value);
    }
}
