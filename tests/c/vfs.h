/* Shared helpers for the VFS conformance programs: a fresh directory
 * under /tmp to work in (its name is never printed), and a child that
 * runs with the ids of nobody (65534) to see permission checks that root
 * would bypass. */
#ifndef SBX_VFS_H
#define SBX_VFS_H

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* Makes a new directory under /tmp, mode 0777, and enters it. */
static inline void enter_scratch_dir(void)
{
    char tmpl[] = "/tmp/sbx-vfs-XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL, "mkdtemp: %s", errname(errno));
    CHECK(chmod(tmpl, 0777) == 0, "chmod scratch");
    CHECK(chdir(tmpl) == 0, "chdir scratch");
}

/* Runs `body` in a child with every id 65534 and waits for it; the
 * child's exit status must be 0. */
static inline void as_nobody(void (*body)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        CHECK(setgroups(0, NULL) == 0 || errno == EPERM, "setgroups");
        CHECK(setgid(65534) == 0, "setgid");
        CHECK(setuid(65534) == 0, "setuid");
        body();
        fflush(stdout);
        _exit(0);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the unprivileged child failed (status %#x)", st);
}


#endif
