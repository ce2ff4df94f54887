/* The tour: what its acts share. */
#ifndef EDDY_TOUR_H
#define EDDY_TOUR_H

#include <eddy.h>
#include <stdbool.h>

/* EDDY_TOUR_QUICK=1 shortens every wait (CI runs the tour so). */
extern bool tour_quick;
/* Standard output is a terminal: draw live progress instead of lines. */
extern bool tour_tty;

/* A line with the time since the tour began, written at once. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An act's title. */
void act(const char *title);

int act_loop(void);      /* the event loop: watchers, one thread */
int act_tasks(void);     /* 10,000 tasks sleeping one second each */
int act_downloads(void); /* 50 files at once vs one after another */
int act_race(void);      /* first of three mirrors, and a timeout */
int act_chat(void);      /* the seed's event handler: a task per message */

#endif
