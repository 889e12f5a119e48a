/* Process identity: pid/tid, ppid, uids and gids, set_tid_address. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

static int tid_word;

int main(void)
{
    long pid = getpid();
    long tid = syscall(SYS_gettid);
    CHECK(pid > 0, "getpid returned %ld", pid);
    CHECK(pid == tid, "getpid %ld != gettid %ld for the main thread", pid, tid);
    OK("getpid == gettid");
    CHECK(syscall(SYS_getpid) == pid, "raw getpid differs from libc getpid");
    OK("raw getpid");
    /* PID 1 of a PID namespace (the sandbox's init) has parent 0, as its
     * parent lives outside the namespace; any other process has one > 0. */
    long ppid = getppid();
    if (pid == 1)
        CHECK(ppid == 0, "pid 1 has ppid %ld, want 0", ppid);
    else
        CHECK(ppid > 0, "getppid returned %ld", ppid);
    CHECK(syscall(SYS_getppid) == ppid, "raw getppid differs from libc getppid");
    OK("getppid: 0 for pid 1, else > 0");
    CHECK(getuid() == geteuid(), "uid %u != euid %u", getuid(), geteuid());
    OK("uid == euid");
    CHECK(getgid() == getegid(), "gid %u != egid %u", getgid(), getegid());
    OK("gid == egid");
    long r = syscall(SYS_set_tid_address, &tid_word);
    CHECK(r == tid, "set_tid_address returned %ld, gettid %ld", r, tid);
    OK("set_tid_address returns tid");
    return 0;
}
