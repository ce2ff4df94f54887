/* Every allocation eddy makes goes through these, and so through the hook set
 * with ed_set_allocator(). */
#ifndef EDDY_PLATFORM_ALLOC_H
#define EDDY_PLATFORM_ALLOC_H

#include <stddef.h>

void *ed__alloc(size_t size);
void *ed__calloc(size_t count, size_t size);
/* Like realloc: NULL on failure with ptr untouched. */
void *ed__realloc(void *ptr, size_t size);
void ed__free(void *ptr);
char *ed__strdup(const char *s);

/* Grows *items (each of item_size bytes) so that it holds at least `need`
 * items, doubling from a small minimum. 0 or -ENOMEM (nothing changed). */
int ed__grow_slow(void **items, size_t *capacity, size_t need, size_t item_size);
static inline int ed__grow(void **items, size_t *capacity, size_t need, size_t item_size)
{
    return need <= *capacity ? 0 : ed__grow_slow(items, capacity, need, item_size);
}

#endif
