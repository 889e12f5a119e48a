/* Unix seqpacket sockets: connections with record boundaries, truncation,
 * EOF, ENOTCONN before a connection, EPIPE without SIGPIPE, MSG_EOR, and
 * poll's view of an unconnected socket. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include "unix.h"
#include "watchdog.h"

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int s) { (void)s; sigpipes++; }

static void records(int a, int b)
{
    char buf[64];
    CHECK(send(a, "first", 5, 0) == 5, "send");
    CHECK(send(a, "second", 6, MSG_EOR) == 6, "send MSG_EOR");
    CHECK(send(a, "", 0, 0) == 0, "send an empty record");
    CHECK(recv(b, buf, sizeof buf, 0) == 5 && memcmp(buf, "first", 5) == 0, "first record");
    struct iovec iov = {buf, 3};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(b, &m, 0);
    CHECK(n == 3, "cut record");
    printf("a cut record's msg_flags: TRUNC=%d EOR=%d\n", !!(m.msg_flags & MSG_TRUNC), !!(m.msg_flags & MSG_EOR));
    CHECK(recv(b, buf, sizeof buf, 0) == 0, "the empty record");
    m.msg_flags = 0;
    iov.iov_len = sizeof buf;
    CHECK(send(a, "third", 5, 0) == 5, "send");
    CHECK(recvmsg(b, &m, 0) == 5, "whole record");
    printf("a whole record's msg_flags: TRUNC=%d EOR=%d\n", !!(m.msg_flags & MSG_TRUNC), !!(m.msg_flags & MSG_EOR));
    CHECK(send(a, "fourth", 6, 0) == 6, "send");
    CHECK(recv(b, buf, 2, MSG_TRUNC) == 6, "MSG_TRUNC gives the record's length");
    OK("records keep their boundaries");
}

static void pair(void)
{
    int sv[2];
    char buf[8];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
    records(sv[0], sv[1]);
    close(sv[0]);
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 0, "EOF after the peer closed");
    CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == 0, "EOF non-blocking too");
    sigpipes = 0;
    EXPECT_ERRNO("send to a closed peer", EPIPE, send(sv[1], "x", 1, 0));
    CHECK(sigpipes == 0, "no SIGPIPE for a seqpacket socket");
    OK("EOF and EPIPE (without SIGPIPE) once the peer is gone");
    close(sv[1]);
}

static void connection(void)
{
    const char *path = unix_path("seq");
    int l = unix_server(SOCK_SEQPACKET, path, 4);
    char buf[8];
    EXPECT_ERRNO("send on a listener", ENOTCONN, send(l, "x", 1, 0));
    EXPECT_ERRNO("recv on a listener", ENOTCONN, recv(l, buf, 1, 0));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int c = unix_client(SOCK_SEQPACKET, path);
        if (send(c, "bye", 3, 0) != 3)
            _exit(2);
        if (recv(c, buf, sizeof buf, 0) != 2)
            _exit(3);
        _exit(0);
    }
    watchdog_step("a seqpacket connection");
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    int v;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_SEQPACKET, "accepted a seqpacket socket");
    CHECK(recv(s, buf, sizeof buf, 0) == 3 && memcmp(buf, "bye", 3) == 0, "record from the child");
    CHECK(send(s, "ok", 2, 0) == 2, "reply");
    reap_ok(pid, "client");
    CHECK(recv(s, buf, sizeof buf, 0) == 0, "EOF once the child is gone");
    OK("listen, connect, accept");
    int d = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, path);
    EXPECT_ERRNO("a stream socket connecting to a seqpacket listener", EPROTOTYPE, connect(d, (struct sockaddr *)&a, alen));
    close(d);
    close(s);
    close(l);
    unlink(path);
}

static void unconnected(void)
{
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    char buf[4];
    EXPECT_ERRNO("send unconnected", ENOTCONN, send(s, "x", 1, 0));
    EXPECT_ERRNO("recv unconnected", ENOTCONN, recv(s, buf, 1, MSG_DONTWAIT));
    EXPECT_ERRNO("read unconnected", ENOTCONN, read(s, buf, 1));
    struct pollfd p = {s, POLLIN | POLLOUT, 0};
    CHECK(poll(&p, 1, 0) == 1, "poll");
    printf("an unconnected seqpacket socket polls as HUP=%d OUT=%d IN=%d\n", !!(p.revents & POLLHUP), !!(p.revents & POLLOUT), !!(p.revents & POLLIN));
    OK("unconnected seqpacket sockets");
    close(s);
}

int main(void)
{
    watchdog_start(60);
    signal(SIGPIPE, on_sigpipe);
    unix_dir_make();
    pair();
    connection();
    unconnected();
    unix_dir_remove();
    return 0;
}
