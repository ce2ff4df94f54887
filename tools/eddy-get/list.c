/* The list of URLs: from the command line, from files, from stdin; and a
 * file name for each that no other item of the run has, the same from one
 * run to the next (a resumed download must find its partial file). */
#include "get.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int list_add(struct run *r, const char *url)
{
    struct item *items = realloc(r->items, (r->count + 1) * sizeof *items);
    if (!items)
        return -ENOMEM;
    r->items = items;
    struct item *it = &items[r->count];
    memset(it, 0, sizeof *it);
    if (!(it->url = strdup(url)))
        return -ENOMEM;
    r->count++;
    return 0;
}

/* One URL per line; blank lines and lines starting with '#' are skipped,
 * and so is the white space around a URL. */
static int add_line(struct run *r, char *line)
{
    char *end = line + strlen(line);
    while (*line == ' ' || *line == '\t')
        line++;
    while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    if (!*line || *line == '#')
        return 0;
    return list_add(r, line);
}

int list_read(struct run *r, const char *path)
{
    int rc = 0;
    if (strcmp(path, "-") == 0) {
        char *line;
        while (rc == 0 && (line = ed_readline(NULL))) {
            rc = add_line(r, line);
            free(line);
        }
        return rc < 0 ? rc : -errno;
    }
    char *data;
    if ((rc = ed_file_get(path, &data, NULL)) < 0)
        return rc;
    for (char *line = data, *next; rc == 0 && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        rc = add_line(r, line);
    }
    free(data);
    return rc;
}

/* A small open-addressing set of the names given so far. */
struct names {
    char **slot;
    size_t cap;
};

static size_t hash(const char *s)
{
    size_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Adds name unless it is there: true if added. */
static bool names_add(struct names *n, char *name)
{
    size_t i = hash(name) & (n->cap - 1);
    for (; n->slot[i]; i = (i + 1) & (n->cap - 1))
        if (strcmp(n->slot[i], name) == 0)
            return false;
    n->slot[i] = name;
    return true;
}

/* "stem (k).ext", as ed_http_download names a duplicate. */
static char *numbered(const char *name, int k)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        dot = name + strlen(name);
    size_t n = strlen(name) + 16;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s (%d)%s", (int)(dot - name), name, k, dot);
    return out;
}

int list_name(struct run *r)
{
    struct names n = {0};
    for (n.cap = 16; n.cap < r->count * 2 + 16;)
        n.cap *= 2;
    if (!(n.slot = calloc(n.cap, sizeof *n.slot)))
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < r->count && rc == 0; i++) {
        struct item *it = &r->items[i];
        char *base = ed_http_file_name(it->url);
        if (!base) {
            rc = -ENOMEM;
            break;
        }
        it->name = base;
        for (int k = 1; !names_add(&n, it->name); k++) {
            if (it->name != base)
                free(it->name);
            if (!(it->name = numbered(base, k))) {
                it->name = base;
                rc = -ENOMEM;
                break;
            }
        }
        if (it->name != base)
            free(base);
    }
    free(n.slot);
    return rc;
}

void list_free(struct run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].url);
        free(r->items[i].name);
    }
    free(r->items);
    r->items = NULL;
    r->count = 0;
}
