/* Processes that share their parent's memory: vfork, posix_spawn and
 * clone(CLONE_VM).
 *
 * - A vfork child's writes to memory are the parent's, and the parent
 *   resumes when the child exits, execs (and then runs beside it), or is
 *   killed by a signal or a fault.
 * - posix_spawn reports a failed exec itself (glibc's child writes the
 *   error into the parent's memory; musl's sends it down a pipe): ENOENT
 *   for a missing program, EACCES for a file that is not executable.
 * - A clone(CLONE_VM) child without CLONE_VFORK, on a stack of its own,
 *   runs beside its parent: it is a process of its own (its own pid, the
 *   caller its parent, SIGCHLD and waitpid at its end, signals sent to it
 *   kill it alone), its writes and its mmap and munmap change the parent's
 *   memory, and /proc/PID/maps shows the one shared map.
 * - A CLONE_VM child outlives its parent: the memory stays for it, and it
 *   reports through a pipe what the parent wrote there before its end.
 *
 * The CLONE_VM children use raw system calls only: they share the
 * parent's thread-local storage (errno, stdio's locks).
 *
 * Usage: clone_vm (the test) | clone_vm exec-child (what a vfork child
 * execs) | clone_vm hold (the vfork, posix_spawn and outliving cases
 * quietly, then "holding" on stdout and a wait for the end of stdin: the
 * sandbox's host processes can be counted meanwhile). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

extern char **environ;

#define STACK_SIZE (256 * 1024)

static volatile int shared_word;
static volatile int exec_errno;

/* A stack for a CLONE_VM child: the top of a fresh mapping. */
static void *new_stack(void)
{
    void *s = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED, "mmap a stack");
    return (char *)s + STACK_SIZE;
}

/* waitpid for `pid`, bounded by the watchdog; returns the status. */
static int wait_status(pid_t pid, const char *what)
{
    int st;
    watchdog_step(what);
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid for %s", what);
    return st;
}

static void print_status(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%s: status %#x\n", what, st);
}

/* Reads everything from `fd` until end of file into `buf` (NUL ended). */
static size_t read_all(int fd, char *buf, size_t size, const char *what)
{
    size_t got = 0;
    ssize_t n;
    watchdog_step(what);
    while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
        got += n;
    buf[got] = '\0';
    return got;
}

static void vfork_cases(void)
{
    /* The child's writes before _exit are the parent's. */
    shared_word = 1;
    fflush(stdout);
    pid_t pid = vfork();
    if (pid == 0) {
        shared_word = 2;
        _exit(3);
    }
    CHECK(pid > 0, "vfork");
    print_status("vfork child that wrote a global", wait_status(pid, "the vfork child"));
    printf("vfork: the parent sees the child's write: %d\n", shared_word);

    /* A failed exec, reported through memory. */
    exec_errno = 0;
    pid = vfork();
    if (pid == 0) {
        execl("/sbx/no/such/program", "x", (char *)NULL);
        exec_errno = errno;
        _exit(127);
    }
    print_status("vfork child whose exec failed", wait_status(pid, "the vfork child whose exec failed"));
    printf("vfork: the failed exec's errno, seen by the parent: %s\n", errname(exec_errno));

    /* A successful exec: the parent resumes and runs beside the new
     * image, whose output comes through a pipe the child made its stdout
     * (its own descriptor table: the parent's stdout is untouched). */
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    shared_word = 10;
    pid = vfork();
    if (pid == 0) {
        shared_word = 11;
        dup2(p[1], STDOUT_FILENO);
        close(p[0]);
        close(p[1]);
        char *args[] = {"clone_vm", "exec-child", NULL};
        execve("/proc/self/exe", args, environ);
        _exit(127);
    }
    printf("vfork + exec: the parent resumed; the child wrote %d before its exec\n", shared_word);
    close(p[1]);
    char buf[256];
    read_all(p[0], buf, sizeof buf, "the exec'd child's output");
    close(p[0]);
    printf("vfork + exec: the new image printed: %s", buf);
    print_status("vfork + exec", wait_status(pid, "the exec'd child"));
    printf("vfork + exec: the parent's stdout is still open: %s\n", fcntl(STDOUT_FILENO, F_GETFD) != -1 ? "yes" : "no");

    /* Killed by a signal, then by a fault: the parent resumes. */
    pid = vfork();
    if (pid == 0) {
        syscall(SYS_kill, syscall(SYS_getpid), SIGTERM);
        _exit(99);
    }
    print_status("vfork child that sent itself SIGTERM", wait_status(pid, "the vfork child killed by SIGTERM"));
    pid = vfork();
    if (pid == 0) {
        *(volatile int *)8 = 1;
        _exit(98);
    }
    print_status("vfork child that faulted", wait_status(pid, "the vfork child that faulted"));
    OK("the parent resumed after each vfork child's end");
}

static void spawn_cases(void)
{
    char *args[] = {"x", NULL};
    pid_t pid;
    watchdog_step("posix_spawn of a missing program");
    int e = posix_spawn(&pid, "/sbx/no/such/program", NULL, NULL, args, environ);
    printf("posix_spawn of a missing program: %s\n", errname(e));
    if (e == 0)
        print_status("  the child", wait_status(pid, "the child of a missing program"));

    /* A file without execute permission, made in a fresh directory. */
    char dir[] = "/tmp/sbx-clone-vm-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char file[sizeof dir + 16];
    snprintf(file, sizeof file, "%s/plain", dir);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0, "create a plain file");
    CHECK(write(fd, "#!/bin/sh\nexit 0\n", 17) == 17, "write");
    close(fd);
    watchdog_step("posix_spawn of a file that is not executable");
    e = posix_spawn(&pid, file, NULL, NULL, args, environ);
    printf("posix_spawn of a file that is not executable: %s\n", errname(e));
    if (e == 0)
        print_status("  the child", wait_status(pid, "the child of a plain file"));
    unlink(file);
    rmdir(dir);

    /* And one that works. */
    char *ok_args[] = {"clone_vm", "exec-child", NULL};
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    posix_spawn_file_actions_t fa;
    PT(posix_spawn_file_actions_init(&fa));
    PT(posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO));
    PT(posix_spawn_file_actions_addclose(&fa, p[0]));
    PT(posix_spawn_file_actions_addclose(&fa, p[1]));
    watchdog_step("posix_spawn of this program");
    PT(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, ok_args, environ));
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char buf[256];
    read_all(p[0], buf, sizeof buf, "the spawned child's output");
    close(p[0]);
    printf("posix_spawn: the child printed: %s", buf);
    print_status("posix_spawn", wait_status(pid, "the spawned child"));
}

/* What the CLONE_VM children share with the test. */
static volatile int vm_word;
static volatile long vm_pid, vm_ppid;
static char *volatile vm_page;
static char *volatile parent_page;
static volatile int vm_go_fd = -1;

static int vm_child(void *arg)
{
    (void)arg;
    vm_pid = syscall(SYS_getpid);
    vm_ppid = syscall(SYS_getppid);
    vm_word = 42;
    /* A page of the child's making, for the parent to read. */
    long p = syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p < 0 && p > -4096)
        return 3;
    memcpy((char *)p, "written by the CLONE_VM child", 30);
    vm_page = (char *)p;
    /* A page of the parent's, unmapped by the child. */
    if (syscall(SYS_munmap, parent_page, 4096) != 0)
        return 4;
    return 5;
}

/* Blocks until the parent writes to (or closes) the pipe. */
static int vm_waiting_child(void *arg)
{
    (void)arg;
    vm_pid = syscall(SYS_getpid);
    char c;
    syscall(SYS_read, vm_go_fd, &c, 1);
    return 6;
}

/* Reads a whole /proc file into `buf` with raw calls (no allocation that
 * could change the map between two reads); returns its length. */
static size_t read_proc(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0, "open %s", path);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < size && (n = read(fd, buf + got, size - 1 - got)) > 0)
        got += n;
    buf[got] = '\0';
    close(fd);
    return got;
}

static char maps_self[65536], maps_child[65536];

/* Drops every pending SIGCHLD (it is blocked). */
static void drain_sigchld(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) == SIGCHLD)
        ;
}

static int sigchld_pending(void)
{
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGCHLD);
}

static void clone_vm_cases(void)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &chld, NULL) == 0, "block SIGCHLD");
    drain_sigchld();

    /* Writes, mmap and munmap, seen by the parent after waitpid. */
    parent_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(parent_page != MAP_FAILED, "mmap");
    printf("CLONE_VM: msync of the parent's page before: %s\n", msync(parent_page, 4096, MS_ASYNC) == 0 ? "0" : errname(errno));
    vm_word = 0;
    pid_t pid = clone(vm_child, new_stack(), CLONE_VM | SIGCHLD, NULL);
    CHECK(pid > 0, "clone(CLONE_VM)");
    print_status("CLONE_VM child", wait_status(pid, "the CLONE_VM child"));
    printf("CLONE_VM: SIGCHLD came at its end: %s\n", sigchld_pending() ? "yes" : "no");
    drain_sigchld();
    printf("CLONE_VM: its getpid is what clone returned: %s\n", vm_pid == pid ? "yes" : "no");
    printf("CLONE_VM: its getppid is the caller: %s\n", vm_ppid == getpid() ? "yes" : "no");
    printf("CLONE_VM: the parent sees the child's write: %d\n", vm_word);
    printf("CLONE_VM: the page the child mapped reads: %s\n", vm_page ? vm_page : "(none)");
    printf("CLONE_VM: munmap of the child's page in the parent: %d\n", vm_page ? munmap(vm_page, 4096) : -1);
    errno = 0;
    int r = msync(parent_page, 4096, MS_ASYNC);
    printf("CLONE_VM: msync of the page the child unmapped: %s\n", r == 0 ? "0" : errname(errno));

    /* Beside the parent: one map in /proc, and a signal sent to the
     * child kills it alone. */
    int go[2];
    CHECK(pipe(go) == 0, "pipe");
    vm_go_fd = go[0];
    vm_pid = 0;
    pid = clone(vm_waiting_child, new_stack(), CLONE_VM | SIGCHLD, NULL);
    CHECK(pid > 0, "clone(CLONE_VM)");
    watchdog_step("the CLONE_VM child to start");
    while (vm_pid == 0)
        sched_yield();
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    read_proc("/proc/self/maps", maps_self, sizeof maps_self);
    read_proc(path, maps_child, sizeof maps_child);
    printf("CLONE_VM: /proc/PID/maps of the child is the parent's: %s\n", strcmp(maps_self, maps_child) == 0 ? "yes" : "no");
    CHECK(kill(pid, SIGTERM) == 0, "kill the CLONE_VM child");
    print_status("CLONE_VM child sent SIGTERM", wait_status(pid, "the CLONE_VM child sent SIGTERM"));
    OK("the parent lives on after its CLONE_VM child's death");
    close(go[0]);
    close(go[1]);

    drain_sigchld();
    CHECK(sigprocmask(SIG_UNBLOCK, &chld, NULL) == 0, "unblock SIGCHLD");
}

/* The CLONE_VM child that outlives its parent. */
static volatile int outlive_word;
static int outlive_dead_r = -1, outlive_dead_w = -1, outlive_out = -1;

static int outliving_child(void *arg)
{
    (void)arg;
    /* The end of the parent: the end of file of a pipe only it holds open
     * for writing (the child's own table has a copy: closed first). */
    syscall(SYS_close, outlive_dead_w);
    char c;
    while (syscall(SYS_read, outlive_dead_r, &c, 1) > 0)
        ;
    char msg[] = "the CLONE_VM child outlived its parent and read 00 from the memory\n";
    char *digits = strstr(msg, "00");
    int v = outlive_word;
    digits[0] = '0' + v / 10 % 10;
    digits[1] = '0' + v % 10;
    syscall(SYS_write, outlive_out, msg, sizeof msg - 1);
    return 0;
}

static void outliving_case(void)
{
    int out[2];
    CHECK(pipe(out) == 0, "pipe");
    fflush(stdout);
    pid_t parent = fork();
    CHECK(parent >= 0, "fork");
    if (parent == 0) {
        watchdog_child(30);
        close(out[0]);
        int dead[2];
        if (pipe(dead) != 0)
            _exit(10);
        outlive_dead_r = dead[0];
        outlive_dead_w = dead[1];
        outlive_out = out[1];
        outlive_word = 0;
        pid_t child = clone(outliving_child, new_stack(), CLONE_VM | SIGCHLD, NULL);
        if (child < 0)
            _exit(11);
        outlive_word = 77;
        _exit(0);
    }
    close(out[1]);
    print_status("the CLONE_VM child's parent", wait_status(parent, "the CLONE_VM child's parent"));
    char buf[256];
    read_all(out[0], buf, sizeof buf, "the CLONE_VM child that outlives its parent");
    close(out[0]);
    printf("%s", buf[0] ? buf : "nothing from the CLONE_VM child\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
        printf("the exec'd child runs\n");
        return 7;
    }
    watchdog_start(30);
    struct rlimit no_core = {0, 0};
    CHECK(setrlimit(RLIMIT_CORE, &no_core) == 0, "setrlimit(RLIMIT_CORE)");
    if (argc > 1 && strcmp(argv[1], "hold") == 0) {
        CHECK(freopen("/dev/null", "w", stdout) != NULL, "freopen");
        vfork_cases();
        spawn_cases();
        clone_vm_cases();
        outliving_case();
        watchdog_stop();
        CHECK(write(STDERR_FILENO, "holding\n", 8) == 8, "write");
        char c;
        while (read(STDIN_FILENO, &c, 1) > 0)
            ;
        return 0;
    }
    vfork_cases();
    spawn_cases();
    clone_vm_cases();
    outliving_case();
    OK("done");
    return 0;
}
