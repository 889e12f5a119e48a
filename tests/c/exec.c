/* execve: arguments and environment passed through to the new image;
 * errors that leave the caller running (ENOENT, EACCES, E2BIG); a NULL argv;
 * the exit code of an exec'd image seen by waitpid; execveat; close-on-exec.
 * At the end the program execs itself for good: what the new image prints
 * and its exit status are the test's.
 *
 * The exec'd image learns what to do from SBX_EXEC_MODE in its environment
 * (so that it works even with no argv at all); with no environment at all
 * it exits 101 at once:
 *   show    print argc, argv and the whole environment, exit 0
 *   exit    exit with the code in argv[1]
 *   fds     check descriptors argv[1] (must be closed) and argv[2] (must be
 *           open; writes "x" to it), exit 0 if so */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"
#include "soft.h"

extern char **environ;


static int wait_exit(pid_t pid)
{
    int st = -1;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st), "child did not exit: status %#x", st);
    return WEXITSTATUS(st);
}

static int show(int argc, char **argv)
{
    printf("exec'd image: argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("  argv[%d] = \"%s\"\n", i, argv[i]);
    printf("  argv[argc] is %s\n", argv[argc] ? "not NULL" : "NULL");
    int n = 0;
    for (char **e = environ; *e; e++, n++)
        printf("  env \"%s\"\n", *e);
    printf("  %d environment strings\n", n);
    return 0;
}

static int fds(int argc, char **argv)
{
    if (argc < 3)
        return 10;
    int closed = atoi(argv[1]), open_ = atoi(argv[2]);
    errno = 0;
    if (fcntl(closed, F_GETFD) != -1 || errno != EBADF)
        return 11;
    if (fcntl(open_, F_GETFD) != 0)
        return 12;
    if (write(open_, "x", 1) != 1)
        return 13;
    return 0;
}

static sigjmp_buf text_fault;

static void on_text_fault(int sig)
{
    (void)sig;
    siglongjmp(text_fault, 1);
}

/* The new image: the page the old one mapped at argv[1] is gone (a
   mapping there that must not replace anything succeeds), and its code is
   not writable. */
static int fresh_memory(int argc, char **argv)
{
    if (argc < 2)
        return 20;
    void *at = (void *)strtoul(argv[1], NULL, 0);
    void *got = mmap(at, 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got != at)
        return 21;
    signal(SIGSEGV, on_text_fault);
    volatile char *code = (volatile char *)(void *)fresh_memory;
    if (sigsetjmp(text_fault, 1) == 0) {
        *code = *code;
        return 22;
    }
    return 0;
}

static int image(const char *mode, int argc, char **argv)
{
    if (strcmp(mode, "show") == 0)
        return show(argc, argv);
    if (strcmp(mode, "exit") == 0)
        return argc > 1 ? atoi(argv[1]) : 100;
    if (strcmp(mode, "fds") == 0)
        return fds(argc, argv);
    if (strcmp(mode, "memory") == 0)
        return fresh_memory(argc, argv);
    return 101;
}

static void errors(char *argv0)
{
    char *args[] = {argv0, "child", NULL};
    char *env[] = {"SBX_EXEC_MODE=exit", NULL};
    SOFT_ERRNO("execve of a missing file", ENOENT, execve("/nonexistent/sbx-exec", args, env));
    SOFT_ERRNO("execve of a missing directory entry", ENOENT,
                 execve("/proc/self/nonexistent", args, env));
    SOFT_ERRNO("execve of a directory", EACCES, execve("/", args, env));
    SOFT_ERRNO("execve of a path through a file", ENOTDIR,
                 execve("/proc/self/exe/x", args, env));
    SOFT_ERRNO("execve of an empty path", ENOENT, execve("", args, env));
    SOFT_ERRNO("execve with a bad path pointer", EFAULT,
                 syscall(SYS_execve, (char *)8, args, env));
    SOFT_ERRNO("execve with a bad argv pointer", EFAULT,
                 syscall(SYS_execve, "/proc/self/exe", (char **)8, env));
    SOFT_ERRNO("execve with a bad envp pointer", EFAULT,
                 syscall(SYS_execve, "/proc/self/exe", args, (char **)8));

    /* One argument longer than MAX_ARG_STRLEN (32 pages). */
    size_t big_len = 200 * 1024;
    char *big = malloc(big_len + 1);
    CHECK(big, "malloc");
    memset(big, 'a', big_len);
    big[big_len] = 0;
    char *big_args[] = {argv0, big, NULL};
    SOFT_ERRNO("execve with a 200 KiB argument", E2BIG,
                 execve("/proc/self/exe", big_args, env));
    char *big_env_str = malloc(big_len + 3);
    CHECK(big_env_str, "malloc");
    memcpy(big_env_str, "X=", 2);
    memcpy(big_env_str + 2, big, big_len + 1);
    char *big_env[] = {"SBX_EXEC_MODE=exit", big_env_str, NULL};
    SOFT_ERRNO("execve with a 200 KiB environment string", E2BIG,
                 execve("/proc/self/exe", args, big_env));
    free(big_env_str);

    /* MAX_ARG_STRLEN counts the NUL: 131071 characters fit, 131072 do not
       (checked in a child, since the first exec succeeds). */
    big[131072] = 0;
    SOFT_ERRNO("execve with a 131072-byte argument", E2BIG,
                 execve("/proc/self/exe", big_args, env));
    big[131071] = 0;
    pid_t pid = fork_checked();
    if (pid == 0) {
        char *fits[] = {argv0, "7", big, NULL};
        execve("/proc/self/exe", fits, env);
        _exit(120);
    }
    int code = wait_exit(pid);
    CHECK(code == 7, "exit code %d", code);
    OK("execve with a 131071-byte argument runs the new image");
    free(big);

    /* A string and a pointer array that run into an unmapped page. */
    long page = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED, "mmap");
    CHECK(munmap(two + page, page) == 0, "munmap");
    memset(two, 'b', page);
    char *unterminated[] = {argv0, two, NULL};
    SOFT_ERRNO("execve with an argument running into unmapped memory", EFAULT,
                 execve("/proc/self/exe", unterminated, env));
    char **open_array = (char **)(two + page) - 2;
    open_array[0] = argv0;
    open_array[1] = "child";
    SOFT_ERRNO("execve with an argv running into unmapped memory", EFAULT,
                 execve("/proc/self/exe", open_array, env));
    munmap(two, page);
    OK("the caller still runs after the failed execs");
}

/* An exec'd image starts with none of the old image's memory, and a
   forked child's exec leaves memory it shared with its parent alone. */
static void memory(char *argv0)
{
    char *fixed = (char *)0x200000000;
    CHECK(mmap(fixed, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
               -1, 0) == fixed, "mmap at %p", fixed);
    fixed[0] = 1;
    int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED, "mmap shared");
    *shared = 42;
    char *env[] = {"SBX_EXEC_MODE=memory", NULL};
    /* A few times over: each exec replaces the same process's image. */
    for (int i = 0; i < 3; i++) {
        pid_t pid = fork_checked();
        if (pid == 0) {
            *shared = 43;
            char *args[] = {argv0, "0x200000000", NULL};
            execve("/proc/self/exe", args, env);
            _exit(120);
        }
        int code = wait_exit(pid);
        CHECK(code != 21, "run %d: the new image found the old one's page still mapped", i);
        CHECK(code != 22, "run %d: the new image could write its own code", i);
        CHECK(code == 0, "run %d: exit %d", i, code);
    }
    OK("an exec'd image starts without the old image's mappings, its code not writable");
    CHECK(*shared == 43 && fixed[0] == 1, "shared %d, private %d", *shared, fixed[0]);
    OK("the child's exec leaves its parent's memory, shared and private, alone");
    munmap(fixed, 4096);
    munmap(shared, 4096);
}

static void exit_code(char *argv0)
{
    char *env[] = {"SBX_EXEC_MODE=exit", NULL};
    pid_t pid = fork_checked();
    if (pid == 0) {
        char *args[] = {argv0, "37", NULL};
        execve("/proc/self/exe", args, env);
        _exit(120);
    }
    int code = wait_exit(pid);
    CHECK(code == 37, "exit code %d", code);
    OK("fork + execve: waitpid sees the new image's exit code 37");

    pid = fork_checked();
    if (pid == 0) {
        char *args[] = {argv0, "38", NULL};
        syscall(SYS_execveat, AT_FDCWD, "/proc/self/exe", args, env, 0);
        _exit(120);
    }
    code = wait_exit(pid);
    CHECK(code == 38, "exit code %d", code);
    OK("fork + execveat(AT_FDCWD): waitpid sees exit code 38");

    /* vfork + exec, the way posix_spawn-like code does it. */
    pid = vfork();
    if (pid == 0) {
        char *args[] = {argv0, "39", NULL};
        execve("/proc/self/exe", args, env);
        _exit(120);
    }
    CHECK(pid > 0, "vfork");
    code = wait_exit(pid);
    CHECK(code == 39, "exit code %d", code);
    OK("vfork + execve: waitpid sees exit code 39");

    /* vfork + a failing exec: the child reports it. */
    pid = vfork();
    if (pid == 0) {
        char *args[] = {argv0, NULL};
        execve("/nonexistent/sbx-exec", args, env);
        _exit(errno == ENOENT ? 40 : 41);
    }
    CHECK(pid > 0, "vfork");
    code = wait_exit(pid);
    CHECK(code == 40, "exit code %d", code);
    OK("vfork + failing execve: the child sees ENOENT");
}

static void null_argv(void)
{
    char *env[] = {"SBX_EXEC_MODE=show", NULL};
    pid_t pid = fork_checked();
    if (pid == 0) {
        syscall(SYS_execve, "/proc/self/exe", NULL, env);
        _exit(120);
    }
    int code = wait_exit(pid);
    CHECK(code == 0, "exit code %d", code);
    OK("execve with a NULL argv");

    char *empty[] = {NULL};
    pid = fork_checked();
    if (pid == 0) {
        execve("/proc/self/exe", empty, env);
        _exit(120);
    }
    code = wait_exit(pid);
    CHECK(code == 0, "exit code %d", code);
    OK("execve with an empty argv");

    pid = fork_checked();
    if (pid == 0) {
        char *args[] = {"x", NULL};
        syscall(SYS_execve, "/proc/self/exe", args, NULL);
        _exit(120);
    }
    code = wait_exit(pid);
    CHECK(code == 101, "exit code %d", code); /* no SBX_EXEC_MODE: 101 */
    OK("execve with a NULL envp: the new image has no environment");
}

static void cloexec(char *argv0)
{
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0, "pipe");
    CHECK(fcntl(a[1], F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
    CHECK(fcntl(a[1], F_GETFD) == FD_CLOEXEC, "F_GETFD");
    int c = fcntl(b[1], F_DUPFD_CLOEXEC, 20);
    CHECK(c >= 20, "F_DUPFD_CLOEXEC");
    char sa[16], sb[16], sc[16];
    snprintf(sa, sizeof sa, "%d", a[1]);
    snprintf(sb, sizeof sb, "%d", b[1]);
    snprintf(sc, sizeof sc, "%d", c);
    char *env[] = {"SBX_EXEC_MODE=fds", NULL};
    pid_t pid = fork_checked();
    if (pid == 0) {
        char *args[] = {argv0, sa, sb, NULL};
        execve("/proc/self/exe", args, env);
        _exit(120);
    }
    int code = wait_exit(pid);
    CHECK(code == 0, "fds check in the new image failed with %d", code);
    pid = fork_checked();
    if (pid == 0) {
        char *args[] = {argv0, sc, sb, NULL};
        execve("/proc/self/exe", args, env);
        _exit(120);
    }
    code = wait_exit(pid);
    CHECK(code == 0, "fds check (F_DUPFD_CLOEXEC) in the new image failed with %d", code);
    close(a[1]);
    close(b[1]);
    close(c);
    char buf[8];
    CHECK(read(b[0], buf, sizeof buf) == 2 && memcmp(buf, "xx", 2) == 0,
          "the new images did not write through the inherited descriptor");
    CHECK(read(b[0], buf, sizeof buf) == 0, "EOF");
    CHECK(read(a[0], buf, sizeof buf) == 0, "EOF on the close-on-exec pipe");
    OK("close-on-exec: FD_CLOEXEC and F_DUPFD_CLOEXEC ends are closed in the new image, "
       "others stay open");
    close(a[0]);
    close(b[0]);
}

int main(int argc, char **argv)
{
    const char *mode = getenv("SBX_EXEC_MODE");
    if (mode)
        return image(mode, argc, argv);
    /* An image exec'd with no environment must not run the tests again
     * (that would recurse without end). */
    if (!environ || !environ[0])
        return 101;
    if (argc == 0)
        return 102;

    errors(argv[0]);
    exit_code(argv[0]);
    memory(argv[0]);
    null_argv();
    cloexec(argv[0]);

    SOFT_DONE();
    char *args[] = {argv[0], "child", "two words", "", "last", NULL};
    char *env[] = {"SBX_EXEC_MODE=show", "SBX_A=1", "SBX_B=with spaces", "SBX_EMPTY=",
                   "NOEQUALS", NULL};
    OK("exec for good");
    fflush(stdout);
    execve("/proc/self/exe", args, env);
    FAIL("execve: %s", errname(errno));
}
