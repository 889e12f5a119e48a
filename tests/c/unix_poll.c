/* Readiness of Unix sockets through poll, select and epoll (level- and
 * edge-triggered): data, room to write, a listener's pending
 * connections, shutdowns (POLLRDHUP, POLLHUP), a closed peer, a datagram
 * sender facing a full receiver, and sleepers woken by another process. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include "unix.h"
#include "watchdog.h"

static const char *bits(short ev)
{
    static char buf[128];
    buf[0] = 0;
    const struct {
        short bit;
        const char *name;
    } names[] = {{POLLIN, "IN"}, {POLLPRI, "PRI"}, {POLLOUT, "OUT"}, {POLLERR, "ERR"}, {POLLHUP, "HUP"}, {POLLNVAL, "NVAL"}, {POLLRDNORM, "RDNORM"}, {POLLRDBAND, "RDBAND"}, {POLLWRNORM, "WRNORM"}, {POLLWRBAND, "WRBAND"}, {POLLRDHUP, "RDHUP"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ev & names[i].bit) {
            strcat(buf, buf[0] ? "|" : "");
            strcat(buf, names[i].name);
        }
    return buf[0] ? buf : "0";
}

static void show(const char *what, int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLRDNORM | POLLWRNORM | POLLWRBAND | POLLRDBAND, 0};
    CHECK(poll(&p, 1, 0) >= 0, "poll");
    printf("%s: %s\n", what, bits(p.revents));
}

static void stream_states(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    show("unconnected stream", s);
    const char *path = unix_path("poll");
    int l = unix_server(SOCK_STREAM, path, 4);
    show("listener", l);
    int c = unix_client(SOCK_STREAM, path);
    show("listener with a pending connection", l);
    int a = accept(l, NULL, NULL);
    show("listener after accept", l);
    show("connected", c);
    CHECK(write(c, "x", 1) == 1, "write");
    show("with data", a);
    CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
    show("peer shut down writing (data left)", a);
    char b;
    CHECK(read(a, &b, 1) == 1, "read");
    show("peer shut down writing (drained)", a);
    show("after own SHUT_WR", c);
    CHECK(shutdown(a, SHUT_WR) == 0, "shutdown");
    show("both directions shut down", c);
    close(a);
    close(c);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    close(sv[1]);
    show("peer closed", sv[0]);
    close(sv[0]);
    /* The peer closes with data we sent unread: ECONNRESET. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(write(sv[0], "unread", 6) == 6, "write");
    close(sv[1]);
    show("peer closed with our data unread at it", sv[0]);
    char rb[8];
    int err;
    socklen_t el = sizeof err;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el) == 0, "SO_ERROR");
    printf("SO_ERROR: %s\n", errname(err));
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &el) == 0, "SO_ERROR");
    printf("SO_ERROR again: %s\n", errname(err));
    show("after SO_ERROR", sv[0]);
    CHECK(read(sv[0], rb, sizeof rb) == 0, "then EOF");
    close(sv[0]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(write(sv[0], "unread", 6) == 6, "write");
    close(sv[1]);
    errno = 0;
    ssize_t r = read(sv[0], rb, sizeof rb);
    printf("a read after the peer closed with our data unread: %zd %s\n", r, errname(errno));
    r = read(sv[0], rb, sizeof rb);
    printf("the next: %zd\n", r);
    close(sv[0]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(write(sv[1], "unread", 6) == 6, "write");
    close(sv[1]);
    show("peer closed with its data unread here", sv[0]);
    CHECK(read(sv[0], rb, sizeof rb) == 6, "the data first");
    close(sv[0]);
    /* A full socket is not writable until the reader takes most of it. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
    static char big[1 << 16];
    while (write(sv[0], big, sizeof big) > 0) {
    }
    show("full", sv[0]);
    CHECK(read(sv[1], big, 1000) == 1000, "read a little");
    show("full, a little read", sv[0]);
    while (read(sv[1], big, sizeof big) > 0) {
    }
    show("drained", sv[0]);
    close(sv[0]);
    close(sv[1]);
    close(s);
    close(l);
    unlink(path);
    OK("stream readiness");
}

static void dgram_states(void)
{
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("unconnected datagram", d);
    const char *path = unix_path("dpoll");
    int srv = unix_server(SOCK_DGRAM, path, 0);
    int c = unix_client(SOCK_DGRAM, path);
    show("connected datagram", c);
    while (send(c, "q", 1, MSG_DONTWAIT) == 1) {
    }
    show("connected to a full receiver", c);
    show("the full receiver", srv);
    /* A poller of the sender wakes when the receiver takes one. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        char b;
        _exit(recv(srv, &b, 1, 0) == 1 ? 0 : 2);
    }
    struct pollfd p = {c, POLLOUT, 0};
    watchdog_step("POLLOUT on the datagram sender");
    CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLOUT), "POLLOUT once the receiver took one");
    reap_ok(pid, "receiver");
    OK("a datagram sender is writable again when its receiver drains");
    CHECK(shutdown(d, SHUT_RD) == 0, "shutdown");
    show("datagram after SHUT_RD", d);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    close(sv[1]);
    show("datagram pair, peer closed", sv[0]);
    close(sv[0]);
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair");
    close(sv[1]);
    show("seqpacket pair, peer closed", sv[0]);
    close(sv[0]);
    close(d);
    close(c);
    close(srv);
    unlink(path);
}

static void epoll_modes(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    int lt = epoll_create1(0), et = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 1};
    CHECK(epoll_ctl(lt, EPOLL_CTL_ADD, sv[1], &ev) == 0, "add LT");
    ev.events = EPOLLIN | EPOLLET | EPOLLRDHUP;
    CHECK(epoll_ctl(et, EPOLL_CTL_ADD, sv[1], &ev) == 0, "add ET");
    struct epoll_event out[4];
    CHECK(epoll_wait(lt, out, 4, 0) == 0 && epoll_wait(et, out, 4, 0) == 0, "nothing yet");
    CHECK(write(sv[0], "ab", 2) == 2, "write");
    CHECK(epoll_wait(lt, out, 4, 0) == 1 && out[0].events == EPOLLIN, "LT: EPOLLIN");
    CHECK(epoll_wait(lt, out, 4, 0) == 1, "LT: again");
    CHECK(epoll_wait(et, out, 4, 0) == 1 && out[0].events == EPOLLIN, "ET: EPOLLIN");
    CHECK(epoll_wait(et, out, 4, 0) == 0, "ET: once");
    CHECK(write(sv[0], "c", 1) == 1, "write");
    CHECK(epoll_wait(et, out, 4, 0) == 1, "ET: a new edge for new data");
    char buf[8];
    CHECK(read(sv[1], buf, sizeof buf) == 3, "read");
    CHECK(epoll_wait(lt, out, 4, 0) == 0, "LT: drained");
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
    CHECK(epoll_wait(et, out, 4, 0) == 1, "ET: shutdown");
    printf("epoll after the peer's SHUT_WR: %s\n", bits((short)out[0].events));
    OK("epoll, level- and edge-triggered");
    /* A writer's edge when room comes back. */
    int w[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, w) == 0, "socketpair");
    int etw = epoll_create1(0);
    ev.events = EPOLLOUT | EPOLLET;
    CHECK(epoll_ctl(etw, EPOLL_CTL_ADD, w[0], &ev) == 0, "add");
    CHECK(epoll_wait(etw, out, 4, 0) == 1, "writable at first");
    static char big[1 << 16];
    while (write(w[0], big, sizeof big) > 0) {
    }
    CHECK(epoll_wait(etw, out, 4, 0) == 0, "full: no edge");
    while (read(w[1], big, sizeof big) > 0) {
    }
    CHECK(epoll_wait(etw, out, 4, 0) >= 1 && (out[0].events & EPOLLOUT), "room again: an edge");
    OK("an edge-triggered writer hears of room");
    close(w[0]);
    close(w[1]);
    close(etw);
    close(lt);
    close(et);
    close(sv[0]);
    close(sv[1]);
}

static void sleepers(void)
{
    /* select and poll sleeping until a child connects or writes. */
    const char *path = unix_path("sleep");
    int l = unix_server(SOCK_STREAM, path, 4);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        int c = unix_client(SOCK_STREAM, path);
        sleep_ms(100);
        if (write(c, "w", 1) != 1)
            _exit(2);
        char b;
        _exit(read(c, &b, 1) == 0 ? 0 : 3);
    }
    fd_set r;
    FD_ZERO(&r);
    FD_SET(l, &r);
    struct timeval tv = {10, 0};
    watchdog_step("select on the listener");
    CHECK(select(l + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(l, &r), "select: a connection");
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0, "accept");
    struct pollfd p = {a, POLLIN, 0};
    watchdog_step("poll on the connection");
    CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLIN, "poll: data");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
    char b;
    CHECK(read(a, &b, 1) == 1, "read");
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev) == 0, "add");
    close(a);
    reap_ok(pid, "client");
    OK("select and poll wake for a connection and for data");
    close(ep);
    close(l);
    unlink(path);
}

int main(void)
{
    watchdog_start(60);
    unix_dir_make();
    stream_states();
    dgram_states();
    epoll_modes();
    sleepers();
    unix_dir_remove();
    return 0;
}
