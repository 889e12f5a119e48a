/* vfork + exec in a dynamically linked program, as shells and spawn
 * helpers use it: the parent is suspended until the child execs or exits;
 * an exec'd child's exit code, output through a pipe, and environment;
 * a failed exec reported through _exit; and, as on Linux, the child runs
 * in the parent's memory, so what it writes there before exec or _exit is
 * what the parent reads afterwards (posix_spawn and some shells rely on
 * it).
 *
 * Usage: dyn_vfork exec | memory (the child's writes, seen by the parent). */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

extern char **environ;

static volatile int shared_word;
static volatile int exec_errno;

static int wait_exit(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st), "child status %#x", st);
    return WEXITSTATUS(st);
}

static void exec_cases(char **argv)
{

    /* vfork + exec of this program, output through a pipe. */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    fflush(stdout);
    watchdog_step("vfork + exec");
    pid_t pid = vfork();
    if (pid == 0) {
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        char *cargv[] = {argv[0], "child", "from-vfork", NULL};
        char *cenv[] = {"SBX_VFORK=yes", NULL};
        execve(argv[0], cargv, cenv);
        _exit(127);
    }
    CHECK(pid > 0, "vfork");
    close(p[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = '\0';
    close(p[0]);
    printf("vfork + exec: the child printed: %s", buf);
    printf("vfork + exec: exit %d\n", wait_exit(pid));

    /* The parent is suspended until the child execs: the child's sleep
     * happens before vfork returns in the parent. */
    long t0 = now_ms();
    pid = vfork();
    if (pid == 0) {
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    long waited = now_ms() - t0;
    CHECK(waited >= 150, "vfork returned in the parent after %ld ms, before the child's exec", waited);
    OK("vfork: the parent resumes only when the child execs");
    printf("/bin/true: exit %d\n", wait_exit(pid));

    /* Many in a row. */
    int sum = 0;
    watchdog_step("20 vfork + exec");
    for (int i = 0; i < 20; i++) {
        pid = vfork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", "exit 2", (char *)NULL);
            _exit(127);
        }
        sum += wait_exit(pid);
    }
    printf("20 vfork + exec of sh: exit codes add up to %d\n", sum);
}

static void memory_cases(void)
{
    pid_t pid;
    /* A failed exec: the child reports through its exit code, and through
     * the parent's memory. */
    exec_errno = 0;
    pid = vfork();
    if (pid == 0) {
        execl("/sbx/no/such/program", "x", (char *)NULL);
        exec_errno = errno;
        _exit(127);
    }
    printf("failed exec: exit %d\n", wait_exit(pid));
    printf("failed exec: errno seen by the parent: %s\n", errname(exec_errno));

    /* The child's writes to memory before _exit are the parent's. */
    shared_word = 1;
    pid = vfork();
    if (pid == 0) {
        shared_word = 2;
        _exit(0);
    }
    CHECK(wait_exit(pid) == 0, "child");
    printf("vfork child's write to a global: the parent sees %d\n", shared_word);
}

int main(int argc, char **argv)
{
    CHECK(argc > 1, "usage: dyn_vfork exec | memory");
    if (strcmp(argv[1], "child") == 0) {
        const char *v = getenv("SBX_VFORK");
        printf("exec'd child: argv[2] %s, SBX_VFORK=%s\n", argc > 2 ? argv[2] : "(none)", v ? v : "(unset)");
        return 33;
    }
    watchdog_start(20);
    if (strcmp(argv[1], "exec") == 0)
        exec_cases(argv);
    else if (strcmp(argv[1], "memory") == 0)
        memory_cases();
    else
        FAIL("unknown mode %s", argv[1]);
    return 0;
}
