/* posix_spawn and posix_spawnp in a dynamically linked program. glibc
 * starts the child with clone(CLONE_VM | CLONE_VFORK) on a stack of its
 * own, and the child reports a failed exec by writing the error into the
 * parent's memory, so posix_spawn returns ENOENT for a missing program
 * rather than a child that exits 127. Also: file actions (dup2 onto
 * stdout, close, open), a signal mask and default dispositions set for
 * the child, a new process group, argv and envp passed through, a PATH
 * search. The child is this program itself, told what to do by argv[1].
 *
 * Usage: dyn_spawn basic | errors (the failures posix_spawn reports). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

extern char **environ;

static int child(int argc, char **argv)
{
    if (strcmp(argv[1], "echo") == 0) {
        for (int i = 2; i < argc; i++)
            printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
        const char *v = getenv("SBX_SPAWN_VAR");
        printf("SBX_SPAWN_VAR=%s\n", v ? v : "(unset)");
        return 0;
    }
    if (strcmp(argv[1], "state") == 0) {
        sigset_t m;
        sigprocmask(SIG_BLOCK, NULL, &m);
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        printf("SIGUSR2 blocked: %s\n", sigismember(&m, SIGUSR2) ? "yes" : "no");
        printf("SIGUSR1 handler default: %s\n", sa.sa_handler == SIG_DFL ? "yes" : "no");
        printf("own process group: %s\n", getpgrp() == getpid() ? "yes" : "no");
        printf("fd 5 open: %s\n", fcntl(5, F_GETFD) != -1 ? "yes" : "no");
        char buf[32] = "";
        ssize_t n = read(6, buf, sizeof buf - 1);
        printf("fd 6 reads: %s\n", n > 0 ? buf : "(nothing)");
        return 0;
    }
    if (strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    return 100;
}

static int wait_for(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st), "child status %#x", st);
    return WEXITSTATUS(st);
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void errors(char **argv)
{
    char *cargv[] = {argv[0], "echo", "hello", NULL};
    pid_t pid;
    posix_spawn_file_actions_t fa;
    /* A missing program: posix_spawn itself fails with ENOENT. */
    watchdog_step("posix_spawn of a missing program");
    int e = posix_spawn(&pid, "/sbx/no/such/program", NULL, NULL, cargv, environ);
    printf("posix_spawn(missing program): %s\n", errname(e));
    if (e == 0)
        printf("  (the child then exited %d)\n", wait_for(pid));

    /* A program that cannot be executed: EACCES. */
    e = posix_spawn(&pid, "/etc/passwd", NULL, NULL, cargv, environ);
    printf("posix_spawn(/etc/passwd): %s\n", errname(e));
    if (e == 0)
        printf("  (the child then exited %d)\n", wait_for(pid));

    /* A failing file action: the open fails, posix_spawn reports it. */
    PT(posix_spawn_file_actions_init(&fa));
    PT(posix_spawn_file_actions_addopen(&fa, 5, "/sbx/no/such/file", O_RDONLY, 0));
    e = posix_spawn(&pid, argv[0], &fa, NULL, cargv, environ);
    printf("posix_spawn with a failing open action: %s\n", errname(e));
    if (e == 0)
        printf("  (the child then exited %d)\n", wait_for(pid));
    posix_spawn_file_actions_destroy(&fa);

    /* posix_spawnp finds no such program on PATH. */
    CHECK(setenv("PATH", "/usr/bin:/bin", 1) == 0, "setenv");
    e = posix_spawnp(&pid, "sbx-no-such-program", NULL, NULL, cargv, environ);
    printf("posix_spawnp(missing program): %s\n", errname(e));
    if (e == 0)
        printf("  (the child then exited %d)\n", wait_for(pid));
}

static void basic(char **argv)
{
    /* Plain spawn, with argv and envp, output through a pipe. */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    posix_spawn_file_actions_t fa;
    PT(posix_spawn_file_actions_init(&fa));
    PT(posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO));
    PT(posix_spawn_file_actions_addclose(&fa, p[0]));
    PT(posix_spawn_file_actions_addclose(&fa, p[1]));
    char *cargv[] = {argv[0], "echo", "hello", "from", "spawn", NULL};
    char *cenv[] = {"SBX_SPAWN_VAR=passed", NULL};
    pid_t pid;
    watchdog_step("posix_spawn");
    PT(posix_spawn(&pid, argv[0], &fa, NULL, cargv, cenv));
    close(p[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    watchdog_step("the spawned child's output");
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = '\0';
    close(p[0]);
    CHECK(wait_for(pid) == 0, "the child failed");
    printf("child printed: %s", buf);
    posix_spawn_file_actions_destroy(&fa);

    /* Attributes: a mask, default dispositions, a process group. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
    posix_spawnattr_t at;
    PT(posix_spawnattr_init(&at));
    sigset_t mask, def;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    sigemptyset(&def);
    sigaddset(&def, SIGUSR1);
    PT(posix_spawnattr_setsigmask(&at, &mask));
    PT(posix_spawnattr_setsigdefault(&at, &def));
    PT(posix_spawnattr_setpgroup(&at, 0));
    PT(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP));
    PT(posix_spawn_file_actions_init(&fa));
    PT(posix_spawn_file_actions_addopen(&fa, 5, "/dev/null", O_RDONLY, 0));
    int q[2];
    CHECK(pipe(q) == 0, "pipe");
    CHECK(write(q[1], "piped", 5) == 5, "write");
    close(q[1]);
    PT(posix_spawn_file_actions_adddup2(&fa, q[0], 6));
    char *sargv[] = {argv[0], "state", NULL};
    fflush(stdout);
    watchdog_step("the child with attributes");
    PT(posix_spawn(&pid, argv[0], &fa, &at, sargv, environ));
    CHECK(wait_for(pid) == 0, "the state child failed");
    close(q[0]);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);

    /* posix_spawnp: a PATH search, for a program that exits with a code. */
    CHECK(setenv("PATH", "/usr/bin:/bin", 1) == 0, "setenv");
    char *targv[] = {"sh", "-c", "exit 42", NULL};
    watchdog_step("posix_spawnp of sh");
    PT(posix_spawnp(&pid, "sh", NULL, NULL, targv, environ));
    printf("posix_spawnp(sh -c 'exit 42'): exit %d\n", wait_for(pid));

    /* Several at once, reaped in any order. */
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        char code[8];
        snprintf(code, sizeof code, "%d", 10 + i);
        char *xargv[] = {argv[0], "exit", code, NULL};
        PT(posix_spawn(&kids[i], argv[0], NULL, NULL, xargv, environ));
    }
    int sum = 0;
    watchdog_step("four spawned children");
    for (int i = 0; i < 4; i++)
        sum += wait_for(kids[i]);
    printf("four children's exit codes add up to %d\n", sum);
}

int main(int argc, char **argv)
{
    CHECK(argc > 1, "usage: dyn_spawn basic | errors");
    if (strcmp(argv[1], "basic") == 0 || strcmp(argv[1], "errors") == 0) {
        watchdog_start(20);
        if (strcmp(argv[1], "basic") == 0)
            basic(argv);
        else
            errors(argv);
        return 0;
    }
    return child(argc, argv);
}
