/* A watchdog, for a test program that waits for something that may never
 * come (a signal, a child's stop or end), so that it cannot hang:
 *
 * - watchdog_start(secs) arms alarm(secs) and makes stdout line-buffered,
 *   so that no "ok" line printed before a timeout is lost. If the alarm
 *   fires, the process prints "FAIL timed out waiting for WHAT" (WHAT from
 *   the last watchdog_step) on stdout and stderr, SIGKILLs the processes
 *   and process groups given to watchdog_kill (a stopped child would not
 *   die of an alarm of its own), and exits with status 1. An exit() (a
 *   failed CHECK) kills them too; watchdog_stop() disarms it all.
 * - A child forked afterwards inherits the handler but not the alarm:
 *   watchdog_child(secs) gives it SIGALRM's default action and an alarm of
 *   its own, so that it ends by SIGALRM unless it ends sooner (or is
 *   stopped). Give children more time than the parent, so that the
 *   parent's message says what it was waiting for. */
#ifndef SBX_WATCHDOG_H
#define SBX_WATCHDOG_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "check.h"

static const char *volatile watchdog_what = "the test to start";
static volatile pid_t watchdog_victims[8];
static volatile sig_atomic_t watchdog_nvictims;

static void watchdog_kill_victims(void)
{
    for (int i = 0; i < watchdog_nvictims; i++)
        kill(watchdog_victims[i], SIGKILL);
    watchdog_nvictims = 0;
}

static void watchdog_fired(int sig)
{
    (void)sig;
    const char *parts[] = {"FAIL timed out waiting for ", watchdog_what, "\n"};
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            (void)!write(fd, parts[i], strlen(parts[i]));
    watchdog_kill_victims();
    _exit(1);
}

static inline void watchdog_start(unsigned secs)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog_fired;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction(SIGALRM)");
    CHECK(atexit(watchdog_kill_victims) == 0, "atexit");
    alarm(secs);
}

/* Disarms the watchdog: no alarm, nothing to kill. */
static inline void watchdog_stop(void)
{
    alarm(0);
    watchdog_nvictims = 0;
}

/* Names what the program waits for next, for the watchdog's message. */
static inline void watchdog_step(const char *what)
{
    watchdog_what = what;
}

/* Has the watchdog SIGKILL `pid` (process group -pid if negative). */
static inline void watchdog_kill(pid_t pid)
{
    int n = watchdog_nvictims;
    CHECK(n < (int)(sizeof watchdog_victims / sizeof watchdog_victims[0]), "too many watchdog victims");
    watchdog_victims[n] = pid;
    watchdog_nvictims = n + 1;
}

/* In a forked child: SIGALRM's default action, an alarm of its own, and
 * nothing of the parent's to kill. */
static inline void watchdog_child(unsigned secs)
{
    watchdog_nvictims = 0;
    signal(SIGALRM, SIG_DFL);
    alarm(secs);
}

#endif
