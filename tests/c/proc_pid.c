/* /proc/PID in depth: cmdline and environ (of the caller and of a child
 * exec'd with known ones, read live), comm (written through /proc and
 * prctl, per thread), maps, limits, mountinfo, task/, fdinfo,
 * thread-self, root, a zombie's stat and cmdline, /proc/sys/kernel, and
 * who may look at another process's files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include "proc.h"
#include "vfs.h"

extern char **environ;

/* Reads all of `path` into `buf` (NUL-terminated); returns the length,
 * or -1 with errno set. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        CHECK(n >= 0, "read %s", path);
        if (n == 0)
            break;
        len += n;
        CHECK(len < size - 1, "%s is too long for the test's buffer", path);
    }
    close(fd);
    buf[len] = 0;
    return len;
}

/* The strings of `v` (NULL-terminated), each with its NUL, end to end. */
static size_t joined(char *const *v, char *out, size_t size)
{
    size_t len = 0;
    for (; *v; v++) {
        size_t n = strlen(*v) + 1;
        CHECK(len + n <= size, "vector too long");
        memcpy(out + len, *v, n);
        len += n;
    }
    return len;
}

static char big[1 << 16], want[1 << 16];

/* The exec'd child: with "child", overwrites its first argument in
 * place; with "title", turns every NUL of its arguments into a space, as
 * setproctitle does, so that its title runs into its environment. Then
 * says so on fd 1 (a pipe) and waits until its parent closes fd 0. */
static int child_main(int argc, char **argv)
{
    if (!strcmp(argv[1], "title")) {
        char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
        for (char *p = argv[0]; p < end; p++)
            if (!*p)
                *p = ' ';
    } else {
        argv[1][0] = 'C';
    }
    CHECK(write(1, "r", 1) == 1, "tell the parent");
    char c;
    while (read(0, &c, 1) > 0) {
    }
    return 0;
}

/* Runs this program as a child with `mode` (see child_main) and a known
 * environment; once it is ready, checks its cmdline against `args`
 * (`len` bytes), its environ and its comm. */
static void check_child(const char *self_exe, const char *mode, const char *args, size_t len)
{
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0, "pipes");
    pid_t pid = fork_checked();
    if (pid == 0) {
        dup2(down[0], 0);
        dup2(up[1], 1);
        close(up[0]);
        close(down[1]);
        char *cargv[] = {"proc-pid-child", (char *)mode, "a b", "", NULL};
        char *cenv[] = {"X=1", "Y=two words", NULL};
        execve(self_exe, cargv, cenv);
        _exit(127);
    }
    close(up[1]);
    close(down[0]);
    char c, path[64];
    CHECK(read(up[0], &c, 1) == 1, "the child is ready");
    close(up[0]);
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    long n = slurp(path, big, sizeof big);
    CHECK(n == (long)len && !memcmp(big, args, len), "the %s child's cmdline, as it rewrote it (%ld bytes)", mode, n);
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    static const char env[] = "X=1\0Y=two words";
    n = slurp(path, big, sizeof big);
    CHECK(n == (long)sizeof env && !memcmp(big, env, sizeof env), "the child's environ");
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    const char *base = strrchr(self_exe, '/') ? strrchr(self_exe, '/') + 1 : self_exe;
    snprintf(want, sizeof want, "%.15s\n", base);
    CHECK(slurp(path, big, sizeof big) > 0 && !strcmp(big, want), "the child's comm is its file's name (%s)", big);
    close(down[1]);
    expect_exit(pid, 0, "exec'd child");
}

static void cmdline_and_environ(const char *self_exe, char **argv)
{
    long n = slurp("/proc/self/cmdline", big, sizeof big);
    size_t w = joined(argv, want, sizeof want);
    CHECK(n == (long)w && !memcmp(big, want, w), "/proc/self/cmdline is argv");
    n = slurp("/proc/self/environ", big, sizeof big);
    w = joined(environ, want, sizeof want);
    CHECK(n == (long)w && !memcmp(big, want, w), "/proc/self/environ is the environment");
    OK("cmdline and environ of the caller");
    static const char args[] = "proc-pid-child\0Child\0a b\0";
    check_child(self_exe, "child", args, sizeof args);
    OK("cmdline and environ of an exec'd child, read live");
    static const char title[] = "proc-pid-child title a b  X=1";
    check_child(self_exe, "title", title, sizeof title);
    OK("a title over the arguments runs into the environment");
}

static void comm(void)
{
    char name[16] = {0};
    int fd = open("/proc/self/comm", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "via-proc", 8) == 8, "write /proc/self/comm");
    close(fd);
    CHECK(prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "via-proc"), "PR_GET_NAME sees it (%s)", name);
    CHECK(prctl(PR_SET_NAME, "via-prctl") == 0, "PR_SET_NAME");
    CHECK(slurp("/proc/self/comm", big, sizeof big) > 0 && !strcmp(big, "via-prctl\n"), "/proc/self/comm sees it");
    fd = open("/proc/self/comm", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "abcdefghijklmnopqrstuvwxyz", 26) == 26, "a long name");
    close(fd);
    CHECK(slurp("/proc/self/comm", big, sizeof big) > 0 && !strcmp(big, "abcdefghijklmno\n"), "cut to 15 bytes (%s)", big);
    OK("comm written through /proc and prctl");
}

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static volatile long worker_tid;

static void *waiting_thread(void *arg)
{
    (void)arg;
    CHECK(prctl(PR_SET_NAME, "worker") == 0, "PR_SET_NAME in a thread");
    char self[64], want_link[64];
    long tid = syscall(SYS_gettid);
    ssize_t n = readlink("/proc/thread-self", self, sizeof self - 1);
    snprintf(want_link, sizeof want_link, "%d/task/%ld", getpid(), tid);
    CHECK(n > 0 && (self[n] = 0, !strcmp(self, want_link)), "/proc/thread-self in a thread");
    worker_tid = tid;
    pthread_mutex_lock(&gate);
    pthread_mutex_unlock(&gate);
    return NULL;
}

static void tasks(void)
{
    pthread_mutex_lock(&gate);
    pthread_t t;
    PT(pthread_create(&t, NULL, waiting_thread, NULL));
    while (!worker_tid)
        sleep_ms(1);
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL, "opendir /proc/self/task");
    int count = 0, main_seen = 0, worker_seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        count++;
        main_seen |= atol(e->d_name) == getpid();
        worker_seen |= atol(e->d_name) == worker_tid;
    }
    closedir(d);
    CHECK(count == 2 && main_seen && worker_seen, "task/ lists both threads (%d)", count);
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", worker_tid);
    CHECK(slurp(path, big, sizeof big) > 0 && !strcmp(big, "worker\n"), "the thread's comm (%s)", big);
    CHECK(slurp("/proc/self/comm", big, sizeof big) > 0 && !strcmp(big, "abcdefghijklmno\n"), "the process's comm is the leader's");
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", worker_tid);
    CHECK(slurp(path, big, sizeof big) > 0 && atol(big) == worker_tid, "the thread's stat starts with its tid");
    CHECK(strstr(big, "(worker)") != NULL, "and names it");
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", worker_tid);
    CHECK(slurp(path, big, sizeof big) > 0, "the thread's status");
    char line[64];
    snprintf(line, sizeof line, "\nPid:\t%ld\n", worker_tid);
    CHECK(strstr(big, line) != NULL && strstr(big, "\nThreads:\t2\n") != NULL, "its Pid and Threads");
    snprintf(path, sizeof path, "/proc/self/task/%ld/task", worker_tid);
    struct stat st;
    EXPECT_ERRNO("task/TID has no task/", ENOENT, stat(path, &st));
    pthread_mutex_unlock(&gate);
    PT(pthread_join(t, NULL));

    char self[64], want_link[64];
    ssize_t n = readlink("/proc/thread-self", self, sizeof self - 1);
    snprintf(want_link, sizeof want_link, "%d/task/%d", getpid(), getpid());
    CHECK(n > 0 && (self[n] = 0, !strcmp(self, want_link)), "/proc/thread-self in the main thread");
    OK("task/ and thread-self");
}

/* The maps line whose range holds `addr`, or NULL. */
static const char *maps_line(const char *maps, unsigned long addr)
{
    for (const char *l = maps; *l;) {
        unsigned long lo, hi;
        if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && lo <= addr && addr < hi)
            return l;
        const char *nl = strchr(l, '\n');
        if (!nl)
            break;
        l = nl + 1;
    }
    return NULL;
}

static void maps(void)
{
    char *rw = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(rw != MAP_FAILED && ro != MAP_FAILED, "mmap");
    CHECK(mprotect(rw + 4096, 4096, PROT_READ | PROT_EXEC) == 0, "mprotect");
    /* brk itself: musl's sbrk refuses to move the break. */
    unsigned long brk0 = syscall(SYS_brk, 0);
    CHECK(syscall(SYS_brk, brk0 + 8192) == (long)(brk0 + 8192), "brk");
    CHECK(slurp("/proc/self/maps", big, sizeof big) > 0, "read maps");
    const char *l = maps_line(big, (unsigned long)rw);
    CHECK(l && !strncmp(strchr(l, ' '), " rw-p 00000000 00:00 0 ", 23), "the private mapping is rw-p");
    l = maps_line(big, (unsigned long)rw + 4096);
    CHECK(l && !strncmp(strchr(l, ' '), " r-xp ", 6), "its mprotect'ed page is r-xp");
    l = maps_line(big, (unsigned long)ro);
    CHECK(l && !strncmp(strchr(l, ' '), " r--s ", 6), "the shared mapping is r--s");
    l = maps_line(big, (unsigned long)&l);
    CHECK(l && strstr(l, "[stack]") < strchr(l, '\n') && strstr(l, "[stack]"), "the stack is [stack]");
    l = maps_line(big, brk0 + 8191);
    CHECK(l && strstr(l, "[heap]") && strstr(l, "[heap]") < strchr(l, '\n'), "the break is in [heap]");
    /* Every line: start-end perms offset dev inode [name]. */
    int lines = 0;
    for (const char *p = big; *p; lines++) {
        unsigned long lo, hi, off, ino;
        char perms[5];
        unsigned maj, min;
        CHECK(sscanf(p, "%lx-%lx %4s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min, &ino) == 7 && lo < hi, "a maps line parses");
        p = strchr(p, '\n');
        CHECK(p, "lines end with a newline");
        p++;
    }
    CHECK(lines >= 5, "maps has lines");
    OK("maps");
}

static void limits(void)
{
    struct rlimit r = {100, 200};
    CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "setrlimit");
    CHECK(slurp("/proc/self/limits", big, sizeof big) > 0, "read limits");
    CHECK(!strncmp(big, "Limit                     Soft Limit           Hard Limit           Units     \n", 79), "the header");
    CHECK(strstr(big, "\nMax open files            100                  200                  files     \n") != NULL, "Max open files after setrlimit");
    r.rlim_cur = r.rlim_max = RLIM_INFINITY;
    CHECK(setrlimit(RLIMIT_CPU, &r) == 0, "setrlimit CPU");
    CHECK(slurp("/proc/self/limits", big, sizeof big) > 0, "read limits");
    CHECK(strstr(big, "\nMax cpu time              unlimited            unlimited            seconds   \n") != NULL, "unlimited");
    CHECK(strstr(big, "\nMax nice priority         ") != NULL, "a row without units");
    int rows = 0;
    for (const char *p = big; (p = strchr(p, '\n')); p++)
        rows++;
    CHECK(rows == 17, "17 lines (%d)", rows);
    OK("limits");
}

static void mountinfo(void)
{
    CHECK(slurp("/proc/self/mountinfo", big, sizeof big) > 0, "read mountinfo");
    int root = 0, proc = 0;
    for (char *l = strtok(big, "\n"); l; l = strtok(NULL, "\n")) {
        int id, parent;
        unsigned maj, min;
        char fsroot[256], point[256], opts[256];
        CHECK(sscanf(l, "%d %d %u:%u %255s %255s %255s", &id, &parent, &maj, &min, fsroot, point, opts) == 7, "a mountinfo line parses: %s", l);
        char *sep = strstr(l, " - ");
        CHECK(sep != NULL, "it has the separator");
        char type[64], source[256], super[256];
        CHECK(sscanf(sep + 3, "%63s %255s %255s", type, source, super) == 3, "and type, source, options");
        root |= !strcmp(point, "/");
        proc |= !strcmp(point, "/proc") && !strcmp(type, "proc");
    }
    CHECK(root && proc, "mountinfo has / and /proc");
    CHECK(slurp("/proc/self/mounts", big, sizeof big) > 0 && strstr(big, " /proc proc ") != NULL, "/proc/self/mounts has /proc");
    OK("mountinfo and mounts");
}

static void fdinfo(void)
{
    enter_scratch_dir();
    int fd = open("f", O_CREAT | O_RDWR | O_APPEND | O_CLOEXEC, 0600);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10 && lseek(fd, 4, SEEK_SET) == 4, "file");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    CHECK(slurp(path, big, sizeof big) > 0, "read fdinfo");
    CHECK(!strncmp(big, "pos:\t4\nflags:\t0", 15), "pos, then flags in octal");
    long flags = strtol(strstr(big, "flags:\t") + 7, NULL, 8);
    CHECK((flags & O_ACCMODE) == O_RDWR && (flags & O_APPEND) && (flags & O_CLOEXEC), "flags %lo", flags);
    CHECK(strstr(big, "\nmnt_id:\t") && strstr(big, "\nino:\t"), "mnt_id and ino");
    struct stat st;
    CHECK(fstat(fd, &st) == 0, "fstat");
    char ino[64];
    snprintf(ino, sizeof ino, "\nino:\t%lu\n", (unsigned long)st.st_ino);
    CHECK(strstr(big, ino) != NULL, "ino is the file's");
    close(fd);
    unlink("f");
    EXPECT_ERRNO("fdinfo of a closed descriptor", ENOENT, open(path, O_RDONLY));
    OK("fdinfo");
}

static void links(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/root", buf, sizeof buf - 1);
    CHECK(n == 1 && buf[0] == '/', "/proc/self/root is /");
    struct stat a, b;
    CHECK(stat("/proc/self/root/proc", &a) == 0 && stat("/proc", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev, "through root");
    OK("root");
}

static void zombie(void)
{
    pid_t pid = fork_checked();
    if (pid == 0)
        _exit(0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int z = 0;
    for (int i = 0; i < 5000 && !z; i++) {
        CHECK(slurp(path, big, sizeof big) > 0, "a zombie's stat");
        z = strstr(big, ") Z ") != NULL;
        if (!z)
            sleep_ms(1);
    }
    CHECK(z, "the child is a zombie");
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    CHECK(slurp(path, big, sizeof big) == 0, "a zombie's cmdline is empty");
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    CHECK(slurp(path, big, sizeof big) > 0 && strstr(big, "\nState:\tZ (zombie)\n"), "its status says so");
    expect_exit(pid, 0, "zombie");
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", pid);
    EXPECT_ERRNO("a reaped process is gone", ENOENT, stat(path, &st));
    OK("zombie");
}

static void own_stat(void)
{
    CHECK(slurp("/proc/self/stat", big, sizeof big) > 0, "read stat");
    int pid, ppid, pgrp, sid, tty;
    char state;
    char *close_paren = strrchr(big, ')');
    CHECK(sscanf(big, "%d", &pid) == 1 && close_paren, "pid (comm");
    CHECK(sscanf(close_paren + 2, "%c %d %d %d %d", &state, &ppid, &pgrp, &sid, &tty) == 5, "fields");
    CHECK(pid == getpid() && state == 'R' && ppid == getppid() && pgrp == getpgrp() && sid == getsid(0), "pid, state, ppid, pgrp, session");
    /* Fields 14 on: utime stime cutime cstime priority nice num_threads. */
    char *p = close_paren + 2;
    for (int i = 3; i < 14; i++)
        p = strchr(p, ' ') + 1;
    long f[7];
    CHECK(sscanf(p, "%ld %ld %ld %ld %ld %ld %ld", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]) == 7, "times");
    CHECK(f[4] == 20 && f[5] == 0 && f[6] == 1, "priority 20, nice 0, one thread");
    int fields = 1;
    for (char *q = close_paren; (q = strchr(q + 1, ' '));)
        fields++;
    CHECK(fields == 51, "52 fields (%d)", fields + 1);
    CHECK(slurp("/proc/self/status", big, sizeof big) > 0, "read status");
    static const char *const order[] = {"Name:", "Umask:", "State:", "Tgid:", "Ngid:", "Pid:", "PPid:", "TracerPid:", "Uid:", "Gid:",
                                        "FDSize:", "Groups:", "VmSize:", "VmRSS:", "Threads:", "SigQ:", "SigPnd:", "ShdPnd:", "SigBlk:",
                                        "SigIgn:", "SigCgt:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:",
                                        "Seccomp:", "Cpus_allowed:", "Cpus_allowed_list:", "voluntary_ctxt_switches:"};
    const char *at = big;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        char key[40];
        snprintf(key, sizeof key, "%s%s\t", i ? "\n" : "", order[i]);
        const char *next = strstr(at, key);
        CHECK(next != NULL, "status has %s in order", order[i]);
        at = next;
    }
    CHECK(strstr(big, "\nState:\tR (running)\n") && strstr(big, "\nThreads:\t1\n") && strstr(big, "\nUmask:\t0022\n"), "State, Threads, Umask");
    OK("stat and status");
}

static void sys_kernel(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0, "uname");
    char want_line[128];
    snprintf(want_line, sizeof want_line, "%s\n", u.nodename);
    CHECK(slurp("/proc/sys/kernel/hostname", big, sizeof big) > 0 && !strcmp(big, want_line), "hostname");
    snprintf(want_line, sizeof want_line, "%s\n", u.release);
    CHECK(slurp("/proc/sys/kernel/osrelease", big, sizeof big) > 0 && !strcmp(big, want_line), "osrelease");
    CHECK(slurp("/proc/sys/kernel/ostype", big, sizeof big) > 0 && !strcmp(big, "Linux\n"), "ostype");
    CHECK(slurp("/proc/sys/kernel/pid_max", big, sizeof big) > 0 && atol(big) > 300, "pid_max");
    CHECK(slurp("/proc/sys/kernel/ngroups_max", big, sizeof big) > 0 && atol(big) == 65536, "ngroups_max");
    CHECK(slurp("/proc/sys/kernel/random/boot_id", big, sizeof big) == 37 && big[8] == '-' && big[14] == '4', "boot_id");
    char again[64];
    CHECK(slurp("/proc/sys/kernel/random/boot_id", again, sizeof again) == 37 && !strcmp(big, again), "boot_id stays");
    OK("/proc/sys/kernel");
}

/* In a child running as nobody: what it may see of its root parent. */
static void nobody_looks_at_parent(void)
{
    char path[64], buf[PATH_MAX];
    pid_t parent = getppid();
    snprintf(path, sizeof path, "/proc/%d/cwd", parent);
    EXPECT_ERRNO("another user's cwd", EACCES, readlink(path, buf, sizeof buf));
    snprintf(path, sizeof path, "/proc/%d/cwd/.", parent);
    struct stat st;
    EXPECT_ERRNO("through another user's cwd", EACCES, stat(path, &st));
    snprintf(path, sizeof path, "/proc/%d/exe", parent);
    EXPECT_ERRNO("another user's exe", EACCES, readlink(path, buf, sizeof buf));
    snprintf(path, sizeof path, "/proc/%d/root", parent);
    EXPECT_ERRNO("another user's root", EACCES, readlink(path, buf, sizeof buf));
    snprintf(path, sizeof path, "/proc/%d/environ", parent);
    EXPECT_ERRNO("another user's environ", EACCES, open(path, O_RDONLY));
    snprintf(path, sizeof path, "/proc/%d/maps", parent);
    EXPECT_ERRNO("another user's maps", EACCES, open(path, O_RDONLY));
    snprintf(path, sizeof path, "/proc/%d/fd", parent);
    EXPECT_ERRNO("another user's fd/", EACCES, open(path, O_RDONLY | O_DIRECTORY));
    snprintf(path, sizeof path, "/proc/%d/comm", parent);
    EXPECT_ERRNO("writing another user's comm", EACCES, open(path, O_WRONLY));
    EXPECT_ERRNO("writing the host name as nobody", EACCES, open("/proc/sys/kernel/hostname", O_WRONLY));
    snprintf(path, sizeof path, "/proc/%d/stat", parent);
    CHECK(slurp(path, big, sizeof big) > 0 && atol(big) == parent, "another user's stat is readable");
    snprintf(path, sizeof path, "/proc/%d/cmdline", parent);
    CHECK(slurp(path, big, sizeof big) > 0, "and its cmdline");
    snprintf(path, sizeof path, "/proc/%d/status", parent);
    CHECK(slurp(path, big, sizeof big) > 0, "and its status");
    CHECK(readlink("/proc/self/cwd", buf, sizeof buf) > 0, "its own cwd");
    /* setuid made it not dumpable: its own files are root's, but it may
     * still use its own fd/. */
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL, "its own fd/");
    closedir(d);
    CHECK(readlink("/proc/self/fd/0", buf, sizeof buf) > 0, "its own fd/0");
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", dir);
    int again = open(fdpath, O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0 && again >= 0, "opening through its own fd/");
    close(again);
    close(dir);
    CHECK(stat("/proc/self/environ", &st) == 0 && st.st_uid == 0, "its own files are root's");
    EXPECT_ERRNO("its own environ, 0400 and root's", EACCES, open("/proc/self/environ", O_RDONLY));
    CHECK(prctl(PR_SET_DUMPABLE, 1) == 0, "PR_SET_DUMPABLE");
    CHECK(stat("/proc/self/environ", &st) == 0 && st.st_uid == 65534, "dumpable again, they are its own");
    CHECK(slurp("/proc/self/environ", big, sizeof big) >= 0, "its own environ");
}

static void access_checks(void)
{
    as_nobody(nobody_looks_at_parent);
    /* Root may look at a process of another user, and write no comm but its own. */
    int up[2], down[2];
    CHECK(pipe(up) == 0 && pipe(down) == 0, "pipes");
    pid_t pid = fork_checked();
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        CHECK(setuid(65534) == 0, "setuid");
        CHECK(write(up[1], "r", 1) == 1, "ready");
        char c;
        while (read(down[0], &c, 1) > 0) {
        }
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    char c, path[64], buf[PATH_MAX];
    CHECK(read(up[0], &c, 1) == 1, "the child is ready");
    snprintf(path, sizeof path, "/proc/%d/cwd", pid);
    CHECK(readlink(path, buf, sizeof buf) > 0, "root reads another user's cwd");
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    CHECK(slurp(path, big, sizeof big) >= 0, "and its environ");
    snprintf(path, sizeof path, "/proc/%d/fd/0", pid);
    CHECK(readlink(path, buf, sizeof buf) > 0, "and its fd/0");
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", pid);
    CHECK(stat(path, &st) == 0 && st.st_uid == 65534, "/proc/PID belongs to the process's user");
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    CHECK(stat(path, &st) == 0 && st.st_uid == 0, "a process that changed its uid is not dumpable: its files are root's");
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0, "open another process's comm for writing");
    EXPECT_ERRNO("writing another process's comm", EINVAL, write(fd, "x", 1));
    close(fd);
    close(down[1]);
    expect_exit(pid, 0, "the setuid child");
    OK("access checks");
}

int main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "child") || !strcmp(argv[1], "title")))
        return child_main(argc, argv);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    exe[n] = 0;
    cmdline_and_environ(exe, argv);
    comm();
    tasks();
    maps();
    limits();
    mountinfo();
    fdinfo();
    links();
    zombie();
    own_stat();
    sys_kernel();
    access_checks();
    return 0;
}
