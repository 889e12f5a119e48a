/* Helpers for the Unix socket tests: a private directory for socket
 * files, addresses, and sending and receiving descriptors. */
#ifndef SBX_UNIX_H
#define SBX_UNIX_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

/* linux/sockios.h's, which musl does not ship. */
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

/* A fresh directory under /tmp for this run's socket files. */
static char unix_dir[64];

static inline void unix_dir_make(void)
{
    snprintf(unix_dir, sizeof unix_dir, "/tmp/sbx-unix-XXXXXX");
    CHECK(mkdtemp(unix_dir) != NULL, "mkdtemp");
}

/* Removes the directory and what is in it (one level). */
static inline void unix_dir_remove(void)
{
    DIR *d = opendir(unix_dir);
    if (d) {
        struct dirent *e;
        char p[sizeof unix_dir + 260];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s/%s", unix_dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(unix_dir);
}

/* The path of `name` in the directory. */
static inline const char *unix_path(const char *name)
{
    static char bufs[4][256];
    static int next;
    char *p = bufs[next++ % 4];
    snprintf(p, 256, "%s/%s", unix_dir, name);
    return p;
}

/* A pathname address for `path`; returns its length as bind takes it
 * (the family, the path and its NUL). */
static inline socklen_t unix_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strncpy(a->sun_path, path, sizeof a->sun_path - 1);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* An abstract address for `name` (after the leading NUL). */
static inline socklen_t unix_abstract(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

/* A socket of `type` bound to `path` (listening, for stream and seqpacket
 * sockets, with `backlog`). */
static inline int unix_server(int type, const char *path, int backlog)
{
    int s = socket(AF_UNIX, type, 0);
    CHECK(s >= 0, "socket");
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, path);
    CHECK(bind(s, (struct sockaddr *)&a, len) == 0, "bind %s", path);
    if (type != SOCK_DGRAM)
        CHECK(listen(s, backlog) == 0, "listen");
    return s;
}

/* A socket of `type` connected to `path`. */
static inline int unix_client(int type, const char *path)
{
    int s = socket(AF_UNIX, type, 0);
    CHECK(s >= 0, "socket");
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, path);
    CHECK(connect(s, (struct sockaddr *)&a, len) == 0, "connect %s", path);
    return s;
}

/* Sends `n` descriptors with one byte of data `byte`; returns sendmsg's
 * result. The system call is made directly: musl's sendmsg refuses more
 * than 1024 bytes of control data itself (ENOMEM). */
static inline ssize_t send_fds(int s, const int *fds, int n, char byte)
{
    char buf[CMSG_SPACE(sizeof(int) * 253)];
    memset(buf, 0, sizeof buf);
    struct iovec iov = {&byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n > 0) {
        m.msg_control = buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return syscall(SYS_sendmsg, s, &m, 0);
}

/* Receives up to `max` descriptors (and a byte, into *byte) with `flags`
 * and room for `room` descriptors; returns how many came, or -1. Sets
 * *mflags to the message's flags when not NULL. */
static inline int recv_fds(int s, int *fds, int max, int room, int flags, char *byte, int *mflags)
{
    char buf[CMSG_SPACE(sizeof(int) * 253)];
    char b = 0;
    struct iovec iov = {&b, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = CMSG_SPACE(sizeof(int) * room)};
    if (room == 0) {
        m.msg_control = NULL;
        m.msg_controllen = 0;
    }
    ssize_t r = recvmsg(s, &m, flags);
    if (r < 0)
        return -1;
    if (byte)
        *byte = b;
    if (mflags)
        *mflags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k && n < max; i++)
                memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        }
    }
    return n;
}

/* The number of descriptors this process has open. */
static inline int open_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    CHECK(d != NULL, "opendir /proc/self/fd");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own */
}

/* Waits for child `pid` and checks it exited with 0. */
static inline void reap_ok(pid_t pid, const char *what)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid %s", what);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x", what, st);
}

#endif
