/* eddy-get: the state one run shares between its parts. */
#ifndef EDDY_GET_H
#define EDDY_GET_H

#include <eddy.h>
#include <eddy/http.h>

enum item_state { ITEM_WAITING, ITEM_ACTIVE, ITEM_DONE, ITEM_SKIPPED, ITEM_FAILED };

/* One URL and what became of it. */
struct item {
    char *url;
    char *name;           /* the file's name in the directory, unique in the run */
    enum item_state state;
    int attempts;
    size_t done, total;   /* bytes in the file, announced size (0: unknown) */
    size_t fetched;       /* bytes this run brought (not what it resumed) */
    double started, ended;
    char error[512];      /* why it failed, with libcurl's words */
};

struct run {
    struct item *items;
    size_t count;
    size_t next;          /* the next item a worker takes */
    const char *dir;
    ed_http_options http;
    int parallel;
    int retries;
    double retry_delay;   /* the first wait; doubled each time, up to 30 s */
    bool resume, force, quiet;
    bool interrupted;
    double started;
    ed_future **workers;
};

/* list.c: the URLs from arguments, files and stdin, each given its name. */
int list_add(struct run *r, const char *url);
int list_read(struct run *r, const char *path); /* "-": stdin */
int list_name(struct run *r);
void list_free(struct run *r);

/* display.c: what the user sees while it runs, and the summary. */
void display_start(struct run *r);
void display_event(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void display_stop(struct run *r);
void display_summary(struct run *r);

/* Sizes and rates for people: "12.3 MiB". */
void human_bytes(char *buf, size_t size, double bytes);

#endif
