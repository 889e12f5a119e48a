/* Credentials: SO_PEERCRED (socketpair, both ends of a connection, an
 * unconnected socket), SO_PASSCRED with credentials attached by the
 * kernel or given by the sender (checked: another's pid is EPERM without
 * privilege), autobind on send, and stream reads that never join data of
 * different senders. Only comparisons with getpid()/getuid() are printed. */
#define _GNU_SOURCE
#include <grp.h>
#include "unix.h"
#include "watchdog.h"

static struct ucred peercred(int s)
{
    struct ucred u;
    socklen_t l = sizeof u;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &u, &l) == 0 && l == sizeof u, "SO_PEERCRED");
    return u;
}

/* Receives one message; returns its data length, and its credentials in
 * *u (pid -2 if none came). */
static ssize_t recv_creds(int s, char *buf, size_t len, struct ucred *u)
{
    struct iovec iov = {buf, len};
    char cb[CMSG_SPACE(sizeof(struct ucred))];
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb};
    ssize_t r = recvmsg(s, &m, 0);
    u->pid = -2;
    if (r < 0)
        return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
            memcpy(u, CMSG_DATA(c), sizeof *u);
    return r;
}

static ssize_t send_creds(int s, const char *data, size_t len, struct ucred u)
{
    struct iovec iov = {(void *)data, len};
    char cb[CMSG_SPACE(sizeof u)];
    memset(cb, 0, sizeof cb);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb, .msg_controllen = sizeof cb};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof u);
    memcpy(CMSG_DATA(c), &u, sizeof u);
    return sendmsg(s, &m, 0);
}

static void peer(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    struct ucred u = peercred(sv[0]);
    printf("socketpair SO_PEERCRED: pid is mine %d, uid is mine %d, gid is mine %d\n", u.pid == getpid(), u.uid == geteuid(), u.gid == getegid());
    close(sv[0]);
    close(sv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    u = peercred(s);
    printf("unconnected SO_PEERCRED: pid %d uid %d gid %d\n", u.pid, (int)u.uid, (int)u.gid);
    close(s);
    const char *path = unix_path("peer");
    int l = unix_server(SOCK_STREAM, path, 2);
    int sync[2];
    CHECK(pipe(sync) == 0, "pipe");
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int c = unix_client(SOCK_STREAM, path);
        struct ucred v = peercred(c);
        char ok = v.pid == parent ? 'y' : 'n';
        if (write(sync[1], &ok, 1) != 1)
            _exit(2);
        char b;
        if (read(c, &b, 1) != 0)
            _exit(3);
        _exit(0);
    }
    watchdog_step("the connecting child");
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0, "accept");
    u = peercred(a);
    printf("accepted SO_PEERCRED: pid is the child's %d, uid is mine %d\n", u.pid == pid, u.uid == geteuid());
    char ok;
    CHECK(read(sync[0], &ok, 1) == 1, "child's answer");
    printf("the client's SO_PEERCRED is the listener's process: %c\n", ok);
    close(a);
    reap_ok(pid, "client");
    close(l);
    close(sync[0]);
    close(sync[1]);
    unlink(path);
    OK("SO_PEERCRED");
}

static void passcred(void)
{
    int sv[2];
    char buf[16];
    struct ucred u;
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    CHECK(send(sv[0], "a", 1, 0) == 1, "send before SO_PASSCRED");
    int one = 1;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0, "SO_PASSCRED");
    CHECK(recv_creds(sv[1], buf, sizeof buf, &u) == 1, "recv");
    printf("a message sent before SO_PASSCRED: pid %d uid %d gid %d\n", u.pid, (int)u.uid, (int)u.gid);
    CHECK(send(sv[0], "b", 1, 0) == 1, "send");
    CHECK(recv_creds(sv[1], buf, sizeof buf, &u) == 1, "recv");
    printf("after: pid is mine %d, uid is mine %d, gid is mine %d\n", u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
    struct ucred mine = {getpid(), getuid(), getgid()};
    CHECK(send_creds(sv[0], "c", 1, mine) == 1, "send own credentials");
    CHECK(recv_creds(sv[1], buf, sizeof buf, &u) == 1 && u.pid == getpid(), "own credentials come through");
    /* Without SO_PASSCRED given credentials are not shown. */
    int zero = 0;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &zero, sizeof zero) == 0, "SO_PASSCRED off");
    CHECK(send_creds(sv[0], "d", 1, mine) == 1, "send");
    CHECK(recv_creds(sv[1], buf, sizeof buf, &u) == 1 && u.pid == -2, "no credentials shown without SO_PASSCRED");
    OK("SO_PASSCRED and SCM_CREDENTIALS");
    /* Unprivileged, another process's pid is refused. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        struct ucred other = {getppid(), getuid(), getgid()};
        errno = 0;
        if (send_creds(sv[0], "e", 1, other) != -1 || errno != EPERM)
            _exit(3);
        struct ucred root = {getpid(), 0, 0};
        if (send_creds(sv[0], "f", 1, root) != -1 || errno != EPERM)
            _exit(4);
        struct ucred self = {getpid(), getuid(), getgid()};
        if (send_creds(sv[0], "g", 1, self) != 1)
            _exit(5);
        _exit(0);
    }
    watchdog_step("the unprivileged sender");
    reap_ok(pid, "unprivileged sender");
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 1 && buf[0] == 'g', "only its own credentials went");
    OK("unprivileged: another pid or uid is EPERM");
    close(sv[0]);
    close(sv[1]);
}

static void autobind(void)
{
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    int one = 1;
    CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0, "SO_PASSCRED");
    const char *path = unix_path("autobind");
    int r = unix_server(SOCK_DGRAM, path, 0);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, path);
    CHECK(sendto(s, "x", 1, 0, (struct sockaddr *)&a, alen) == 1, "sendto");
    struct sockaddr_un me;
    socklen_t mlen = sizeof me;
    CHECK(getsockname(s, (struct sockaddr *)&me, &mlen) == 0, "getsockname");
    printf("a sender with SO_PASSCRED is autobound: name length %d, abstract %d\n", (int)mlen, me.sun_path[0] == 0);
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    char b;
    CHECK(recvfrom(r, &b, 1, 0, (struct sockaddr *)&from, &flen) == 1 && flen == mlen && memcmp(&from, &me, mlen) == 0, "the receiver sees that name");
    OK("autobind on send with SO_PASSCRED");
    close(s);
    close(r);
    unlink(path);
}

static void glue(void)
{
    /* A stream reader passing credentials does not read data of two
     * senders at once. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    int one = 1;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0, "SO_PASSCRED");
    CHECK(write(sv[0], "parent", 6) == 6, "write");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        _exit(write(sv[0], "child", 5) == 5 ? 0 : 2);
    }
    reap_ok(pid, "writer");
    CHECK(write(sv[0], "again", 5) == 5, "write");
    char buf[64];
    struct ucred u;
    ssize_t n = recv_creds(sv[1], buf, sizeof buf, &u);
    printf("first read: %zd bytes, mine %d\n", n, u.pid == getpid());
    n = recv_creds(sv[1], buf, sizeof buf, &u);
    printf("second read: %zd bytes, the child's %d\n", n, u.pid == pid);
    n = recv_creds(sv[1], buf, sizeof buf, &u);
    printf("third read: %zd bytes, mine %d\n", n, u.pid == getpid());
    /* Without SO_PASSCRED it all reads as one. */
    int zero = 0;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &zero, sizeof zero) == 0, "SO_PASSCRED off");
    CHECK(write(sv[0], "x", 1) == 1, "write");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        _exit(write(sv[0], "yz", 2) == 2 ? 0 : 2);
    }
    reap_ok(pid, "writer");
    CHECK(read(sv[1], buf, sizeof buf) == 3, "one read");
    OK("credentials keep senders' data apart");
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    watchdog_start(60);
    unix_dir_make();
    peer();
    passcred();
    autobind();
    glue();
    unix_dir_remove();
    return 0;
}
