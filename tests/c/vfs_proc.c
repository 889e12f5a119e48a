/* /proc for the sandbox's own processes: /proc/self names the caller
 * (also in a child), /proc/self/exe the executable, /proc/PID/status its
 * ids, /proc/self/fd and cwd its files and directory (and /dev/fd through
 * them); /proc/mounts lists /proc. */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/syscall.h>
#include "vfs.h"

static long status_field(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "open %s", path);
    char line[256];
    long v = -1;
    size_t n = strlen(name);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ':')
            v = strtol(line + n + 1, NULL, 10);
    fclose(f);
    return v;
}

static void self_is_me(void)
{
    char buf[32], want[32];
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    CHECK(n > 0, "readlink /proc/self");
    buf[n] = 0;
    snprintf(want, sizeof want, "%d", getpid());
    CHECK(!strcmp(buf, want), "/proc/self is the caller (%s, %s)", buf, want);
}

int main(int argc, char **argv)
{
    (void)argc;
    self_is_me();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        self_is_me();
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child's /proc/self");
    OK("/proc/self");

    char exe[PATH_MAX], real[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    exe[n] = 0;
    CHECK(realpath(argv[0], real) != NULL && !strcmp(exe, real), "/proc/self/exe is the program");
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", getpid());
    CHECK(status_field(path, "Pid") == getpid(), "Pid in status");
    CHECK(status_field("/proc/self/status", "PPid") == getppid(), "PPid in status");
    CHECK(status_field("/proc/self/status", "Uid") == (long)getuid(), "Uid in status");
    OK("/proc/PID");

    enter_scratch_dir();
    char cwd[PATH_MAX], link[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    n = readlink("/proc/self/cwd", link, sizeof link - 1);
    CHECK(n > 0 && (link[n] = 0, !strcmp(link, cwd)), "/proc/self/cwd is the working directory");
    int fd = open("file", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0 && write(fd, "via fd", 6) == 6, "write file");
    char fdpath[64], want[PATH_MAX + 8];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    snprintf(want, sizeof want, "%s/file", cwd);
    n = readlink(fdpath, link, sizeof link - 1);
    CHECK(n > 0 && (link[n] = 0, !strcmp(link, want)), "/proc/self/fd/N names the file");
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", fd);
    int again = open(fdpath, O_RDONLY);
    char buf[16] = {0};
    CHECK(again >= 0 && read(again, buf, sizeof buf) == 6 && !strcmp(buf, "via fd"), "/dev/fd/N opens the file");
    close(again);
    CHECK(unlink("file") == 0, "unlink");
    n = readlink(fdpath, link, sizeof link - 1);
    CHECK(n > 0 && (link[n] = 0, strstr(link, "/file (deleted)") != NULL), "a deleted file's link says so");
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", p[0]);
    n = readlink(fdpath, link, sizeof link - 1);
    CHECK(n > 6 && !strncmp(link, "pipe:[", 6), "a pipe reads as pipe:[N]");
    struct { unsigned long long flags, mode, resolve; } how = {O_RDONLY | O_DIRECTORY, 0, 0x02 /* RESOLVE_NO_MAGICLINKS */};
    EXPECT_ERRNO("openat2 RESOLVE_NO_MAGICLINKS through /proc/self/cwd", ELOOP, syscall(SYS_openat2, AT_FDCWD, "/proc/self/cwd", &how, sizeof how));
    how.resolve = 0;
    int cfd = syscall(SYS_openat2, AT_FDCWD, "/proc/self/cwd", &how, sizeof how);
    CHECK(cfd >= 0, "openat2 through /proc/self/cwd without the flag");
    close(cfd);
    close(fd);
    OK("/proc/self/fd and cwd");

    FILE *f = fopen("/proc/mounts", "r");
    CHECK(f != NULL, "open /proc/mounts");
    char line[512];
    int proc = 0;
    while (fgets(line, sizeof line, f))
        proc |= strstr(line, " /proc proc ") != NULL;
    fclose(f);
    CHECK(proc, "/proc/mounts lists /proc");
    struct stat s;
    CHECK(stat("/proc/self/status", &s) == 0 && S_ISREG(s.st_mode) && s.st_size == 0, "proc files have size 0");
    EXPECT_ERRNO("a missing pid", ENOENT, stat("/proc/999999/status", &s));
    OK("/proc files");
    return 0;
}
