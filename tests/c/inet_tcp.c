/* TCP over IPv4 and IPv6 loopback: a listener on port 0 (the port read
 * back with getsockname, never printed), connect and accept, echo in both
 * directions, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, shutdown, a peer that
 * dies mid-transfer, non-blocking connect (EINPROGRESS, then poll), a
 * connection refused by a closed port, SO_REUSEADDR over a TIME_WAIT,
 * SO_RCVTIMEO, the options programs use, FIONREAD, a blocking accept
 * interrupted by a signal with and without SA_RESTART, and the errors of
 * bad addresses and arguments. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "inet.h"
#include "watchdog.h"

/* A listener on loopback port 0; its address in `out`. */
static int listener(int family, addr_t *out)
{
    int l = socket(family, SOCK_STREAM, 0);
    CHECK(l >= 0, "socket");
    addr_t a = loopback(family);
    CHECK(bind(l, &a.sa, addr_len(family)) == 0, "bind");
    CHECK(listen(l, 8) == 0, "listen");
    socklen_t len = sizeof *out;
    CHECK(getsockname(l, &out->sa, &len) == 0 && len == addr_len(family), "getsockname");
    CHECK(port_of(out) != 0, "a port was picked");
    return l;
}

static int connect_to(const addr_t *a)
{
    int c = socket(a->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(c >= 0, "socket");
    CHECK(connect(c, &a->sa, addr_len(a->sa.sa_family)) == 0, "connect");
    return c;
}

static int intval(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK(getsockopt(fd, level, name, &v, &len) == 0 && len == sizeof v, "getsockopt %d/%d", level, name);
    return v;
}

static void set_int(int fd, int level, int name, int v)
{
    CHECK(setsockopt(fd, level, name, &v, sizeof v) == 0, "setsockopt %d/%d", level, name);
}

static void same_addr(const addr_t *a, const addr_t *b, const char *what)
{
    CHECK(a->sa.sa_family == b->sa.sa_family && port_of(a) == port_of(b), "%s", what);
    if (a->sa.sa_family == AF_INET)
        CHECK(a->in.sin_addr.s_addr == b->in.sin_addr.s_addr, "%s", what);
    else
        CHECK(memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0, "%s", what);
}

/* The basic exchange over `family`. */
static void echo(int family, const char *name)
{
    watchdog_step(name);
    addr_t la;
    int l = listener(family, &la);
    CHECK(intval(l, SOL_SOCKET, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN");
    int c = connect_to(&la);
    addr_t peer, cname, sname, speer;
    socklen_t len = sizeof peer;
    int s = accept4(l, &peer.sa, &len, SOCK_CLOEXEC);
    CHECK(s >= 0, "accept4");
    CHECK(len == addr_len(family), "accept's address length");
    len = sizeof cname;
    CHECK(getsockname(c, &cname.sa, &len) == 0, "getsockname");
    same_addr(&peer, &cname, "accept's address is the client's name");
    len = sizeof speer;
    CHECK(getpeername(c, &speer.sa, &len) == 0, "getpeername");
    same_addr(&speer, &la, "the client's peer is the listener's address");
    len = sizeof sname;
    CHECK(getsockname(s, &sname.sa, &len) == 0, "getsockname");
    same_addr(&sname, &la, "the accepted socket's name is the listener's");
    OK("%s: connect, accept, names", name);

    CHECK(intval(c, SOL_SOCKET, SO_TYPE) == SOCK_STREAM, "SO_TYPE");
    CHECK(intval(c, SOL_SOCKET, SO_DOMAIN) == family, "SO_DOMAIN");
    CHECK(intval(c, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP, "SO_PROTOCOL");
    CHECK(intval(c, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR");
    CHECK(intval(c, SOL_SOCKET, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN");
    OK("%s: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR", name);

    char buf[64];
    CHECK(send(c, "hello", 5, 0) == 5, "send");
    CHECK(recv(s, buf, sizeof buf, MSG_PEEK) == 5 && memcmp(buf, "hello", 5) == 0, "recv MSG_PEEK");
    int n = -1;
    CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 5, "FIONREAD %d", n);
    CHECK(read(s, buf, 3) == 3 && memcmp(buf, "hel", 3) == 0, "read");
    CHECK(recv(s, buf, sizeof buf, 0) == 2 && memcmp(buf, "lo", 2) == 0, "recv");
    EXPECT_ERRNO("recv MSG_DONTWAIT with nothing queued", EAGAIN, recv(s, buf, sizeof buf, MSG_DONTWAIT));
    struct iovec iov[2] = {{"wor", 3}, {"ld", 2}};
    CHECK(writev(s, iov, 2) == 5, "writev");
    struct msghdr mh = {0};
    struct iovec in = {buf, 5};
    mh.msg_iov = &in;
    mh.msg_iovlen = 1;
    CHECK(recvmsg(c, &mh, MSG_WAITALL) == 5 && memcmp(buf, "world", 5) == 0, "recvmsg");
    CHECK(mh.msg_flags == 0, "msg_flags %#x", mh.msg_flags);
    OK("%s: echo, MSG_PEEK, FIONREAD, MSG_DONTWAIT, writev, recvmsg", name);

    /* A write of nothing sends nothing; a read of nothing returns at once. */
    CHECK(send(c, "", 0, 0) == 0, "send of nothing");
    CHECK(read(s, buf, 0) == 0, "read of nothing");
    EXPECT_ERRNO("still nothing queued", EAGAIN, recv(s, buf, sizeof buf, MSG_DONTWAIT));

    /* shutdown: the peer reads the end of the stream; the writer can no
     * longer write. */
    CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
    struct pollfd p = {s, POLLIN | POLLRDHUP, 0};
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "poll after shutdown: %#x", p.revents);
    CHECK(recv(s, buf, sizeof buf, 0) == 0, "recv at the end of the stream");
    EXPECT_ERRNO("send after SHUT_WR", EPIPE, send(c, "x", 1, MSG_NOSIGNAL));
    CHECK(send(s, "back", 4, 0) == 4, "the other way still works");
    CHECK(recv(c, buf, 4, MSG_WAITALL) == 4, "recv");
    OK("%s: shutdown(SHUT_WR)", name);
    EXPECT_ERRNO("shutdown(7)", EINVAL, shutdown(c, 7));
    close(c);
    close(s);
    close(l);
}

/* A child writes in pieces, then dies: MSG_WAITALL gathers the pieces; the
 * rest reads to the end of the stream. */
static void pieces_and_death(void)
{
    watchdog_step("a child's pieces");
    addr_t la;
    int l = listener(AF_INET, &la);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int c = connect_to(&la);
        for (int i = 0; i < 3; i++) {
            sleep_ms(30);
            if (write(c, "0123456789", 10) != 10)
                _exit(3);
        }
        if (write(c, "tail", 4) != 4)
            _exit(3);
        /* Dies without closing. */
        kill(getpid(), SIGKILL);
    }
    watchdog_kill(pid);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    char buf[64];
    CHECK(recv(s, buf, 30, MSG_WAITALL) == 30, "MSG_WAITALL gathers the pieces");
    CHECK(memcmp(buf, "012345678901234567890123456789", 30) == 0, "the data");
    size_t got = 0;
    ssize_t n;
    while ((n = read(s, buf + got, sizeof buf - got)) > 0)
        got += n;
    CHECK(n == 0 && got == 4 && memcmp(buf, "tail", 4) == 0, "the rest, then the end of the stream");
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child died");
    OK("MSG_WAITALL across pieces; a peer that dies leaves its data and the end of the stream");
    close(s);
    close(l);
}

/* Writing to a connection whose peer is gone fails. */
static void write_to_gone_peer(void)
{
    watchdog_step("writes to a gone peer");
    addr_t la;
    int l = listener(AF_INET, &la);
    int c = connect_to(&la);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    close(s);
    int err = 0;
    for (int i = 0; i < 100 && !err; i++) {
        if (send(c, "x", 1, MSG_NOSIGNAL) < 0)
            err = errno;
        else
            sleep_ms(5);
    }
    CHECK(err == EPIPE || err == ECONNRESET, "the send fails: %s", errname(err));
    OK("send to a closed peer fails (EPIPE or ECONNRESET)");
    close(c);
    close(l);
}

static void nonblocking_connect(int family, const char *name)
{
    watchdog_step(name);
    addr_t la;
    int l = listener(family, &la);
    int c = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(c >= 0, "socket");
    int r = connect(c, &la.sa, addr_len(family));
    CHECK(r == 0 || errno == EINPROGRESS, "connect: %s", errname(errno));
    struct pollfd p = {c, POLLOUT, 0};
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "poll for the connection");
    CHECK(intval(c, SOL_SOCKET, SO_ERROR) == 0, "SO_ERROR");
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    CHECK(send(c, "n", 1, 0) == 1, "send");
    char b;
    CHECK(recv(s, &b, 1, 0) == 1 && b == 'n', "recv");
    /* The listener, made non-blocking: nothing to accept. */
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
    EXPECT_ERRNO("accept on a non-blocking listener with nothing queued", EAGAIN, accept(l, NULL, NULL));
    int on = 0;
    CHECK(ioctl(l, FIONBIO, &on) == 0, "FIONBIO");
    CHECK((fcntl(l, F_GETFL) & O_NONBLOCK) == 0, "FIONBIO cleared O_NONBLOCK");
    OK("%s: non-blocking connect (EINPROGRESS, then POLLOUT and SO_ERROR 0)", name);
    close(c);
    close(s);
    close(l);
}

/* A loopback port nothing listens on: bound, then closed. */
static addr_t closed_port(int family)
{
    addr_t a = loopback(family);
    int t = socket(family, SOCK_STREAM, 0);
    socklen_t len = sizeof a;
    CHECK(t >= 0 && bind(t, &a.sa, addr_len(family)) == 0 && getsockname(t, &a.sa, &len) == 0, "a port");
    close(t);
    return a;
}

static void refused(int family, const char *name)
{
    watchdog_step(name);
    addr_t a = closed_port(family);
    int c = socket(family, SOCK_STREAM, 0);
    CHECK(c >= 0, "socket");
    char what[64];
    snprintf(what, sizeof what, "%s: connect to a closed port", name);
    EXPECT_ERRNO(what, ECONNREFUSED, connect(c, &a.sa, addr_len(family)));
    close(c);
    c = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int r = connect(c, &a.sa, addr_len(family));
    int e = r == 0 ? 0 : errno;
    if (e == EINPROGRESS) {
        struct pollfd p = {c, POLLOUT, 0};
        CHECK(poll(&p, 1, 5000) == 1 && (p.revents & (POLLERR | POLLHUP)), "poll: %#x", p.revents);
        e = intval(c, SOL_SOCKET, SO_ERROR);
    }
    CHECK(e == ECONNREFUSED, "non-blocking: %s", errname(e));
    OK("%s: non-blocking connect to a closed port: ECONNREFUSED", name);
    close(c);
}

/* After a connection whose accepted end closed first (leaving TIME_WAIT
 * on the listener's port), a new bind there needs SO_REUSEADDR. */
static void reuseaddr(void)
{
    watchdog_step("SO_REUSEADDR");
    addr_t la;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0, "socket");
    CHECK(intval(l, SOL_SOCKET, SO_REUSEADDR) == 0, "SO_REUSEADDR is off");
    /* The TIME_WAIT left behind keeps the listener's SO_REUSEADDR. */
    set_int(l, SOL_SOCKET, SO_REUSEADDR, 1);
    CHECK(intval(l, SOL_SOCKET, SO_REUSEADDR) != 0, "SO_REUSEADDR is on");
    la = loopback(AF_INET);
    socklen_t len = sizeof la;
    CHECK(bind(l, &la.sa, sizeof la.in) == 0 && listen(l, 1) == 0 && getsockname(l, &la.sa, &len) == 0, "listen");
    int c = connect_to(&la);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    int other = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_ERRNO("bind to a listening port", EADDRINUSE, bind(other, &la.sa, sizeof la.in));
    close(other);
    close(l);
    close(s);
    char b;
    CHECK(recv(c, &b, 1, 0) == 0, "the end of the stream");
    close(c);
    int again = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_ERRNO("bind over TIME_WAIT without SO_REUSEADDR", EADDRINUSE, bind(again, &la.sa, sizeof la.in));
    set_int(again, SOL_SOCKET, SO_REUSEADDR, 1);
    CHECK(bind(again, &la.sa, sizeof la.in) == 0, "bind over TIME_WAIT with SO_REUSEADDR");
    CHECK(listen(again, 1) == 0, "listen");
    OK("SO_REUSEADDR binds over TIME_WAIT");
    close(again);
}

static void options(void)
{
    watchdog_step("options");
    addr_t la;
    int l = listener(AF_INET6, &la);
    int c = connect_to(&la);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    CHECK(intval(c, IPPROTO_TCP, TCP_NODELAY) == 0, "TCP_NODELAY is off");
    set_int(c, IPPROTO_TCP, TCP_NODELAY, 1);
    CHECK(intval(c, IPPROTO_TCP, TCP_NODELAY) != 0, "TCP_NODELAY is on");
    set_int(c, SOL_SOCKET, SO_KEEPALIVE, 1);
    CHECK(intval(c, SOL_SOCKET, SO_KEEPALIVE) != 0, "SO_KEEPALIVE");
    set_int(c, IPPROTO_TCP, TCP_KEEPIDLE, 77);
    set_int(c, IPPROTO_TCP, TCP_KEEPINTVL, 11);
    set_int(c, IPPROTO_TCP, TCP_KEEPCNT, 5);
    CHECK(intval(c, IPPROTO_TCP, TCP_KEEPIDLE) == 77 && intval(c, IPPROTO_TCP, TCP_KEEPINTVL) == 11 && intval(c, IPPROTO_TCP, TCP_KEEPCNT) == 5, "keepalive times");
    EXPECT_ERRNO("TCP_KEEPIDLE 0", EINVAL, setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &(int){0}, sizeof(int)));
    set_int(c, IPPROTO_TCP, TCP_CORK, 1);
    CHECK(intval(c, IPPROTO_TCP, TCP_CORK) == 1, "TCP_CORK");
    set_int(c, IPPROTO_TCP, TCP_CORK, 0);
    struct linger lg = {1, 3}, got;
    socklen_t len = sizeof got;
    CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER");
    CHECK(getsockopt(c, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && len == sizeof got && got.l_onoff && got.l_linger == 3, "SO_LINGER back");
    lg.l_onoff = 0;
    CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER off");
    EXPECT_ERRNO("SO_LINGER with a short value", EINVAL, setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, 4));
    set_int(c, SOL_SOCKET, SO_SNDBUF, 65536);
    CHECK(intval(c, SOL_SOCKET, SO_SNDBUF) == 131072, "SO_SNDBUF doubles");
    int v6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(intval(v6, IPPROTO_IPV6, IPV6_V6ONLY) == 0, "IPV6_V6ONLY is off");
    set_int(v6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    CHECK(intval(v6, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "IPV6_V6ONLY");
    close(v6);
    set_int(c, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
    CHECK(intval(c, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 9, "IPV6_UNICAST_HOPS");
    struct tcp_info ti;
    len = sizeof ti;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == 1, "TCP_INFO: established");
    len = 8;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && len == 8, "TCP_INFO cut to the room given");
    int v = 0;
    len = sizeof v;
    EXPECT_ERRNO("an unknown level", ENOPROTOOPT, getsockopt(c, 999, 1, &v, &len));
    EXPECT_ERRNO("an unknown TCP option", ENOPROTOOPT, getsockopt(c, IPPROTO_TCP, 9999, &v, &len));
    EXPECT_ERRNO("SO_ERROR cannot be set", ENOPROTOOPT, setsockopt(c, SOL_SOCKET, SO_ERROR, &v, sizeof v));
    EXPECT_ERRNO("an option with a negative length", EINVAL, setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &v, -1));
    OK("TCP_NODELAY, keepalive, TCP_CORK, SO_LINGER, SO_SNDBUF, IPV6_V6ONLY, TCP_INFO");

    /* SO_RCVTIMEO, which a blocking receive honours. */
    struct timeval tv = {0, 200000}, tvo;
    len = sizeof tvo;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
    CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tvo, &len) == 0 && tvo.tv_sec == 0 && tvo.tv_usec == 200000, "SO_RCVTIMEO back");
    tv.tv_usec = 1000000;
    EXPECT_ERRNO("SO_RCVTIMEO with a million microseconds", EDOM, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    char b;
    long t0 = now_ms();
    EXPECT_ERRNO("a receive past SO_RCVTIMEO", EAGAIN, recv(s, &b, 1, 0));
    CHECK(now_ms() - t0 >= 100, "it waited");
    close(c);
    close(s);
    close(l);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

/* A blocking accept that a signal interrupts: restarted under SA_RESTART,
 * EINTR without. */
static void interrupted_accept(int restart)
{
    watchdog_step(restart ? "an accept with SA_RESTART" : "an accept without SA_RESTART");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
    handled = 0;
    addr_t la;
    int l = listener(AF_INET, &la);
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        kill(parent, SIGUSR1);
        sleep_ms(100);
        int c = connect_to(&la);
        char b;
        /* Holds the connection until the parent closes its end. */
        (void)!read(c, &b, 1);
        _exit(0);
    }
    watchdog_kill(pid);
    int s = accept(l, NULL, NULL);
    if (restart) {
        CHECK(s >= 0 && handled == 1, "accept restarted: %d, handled %d", s, (int)handled);
        OK("accept interrupted by a handler with SA_RESTART restarts");
        close(s);
    } else {
        CHECK(s < 0 && errno == EINTR && handled == 1, "accept: %d %s", s, errname(errno));
        OK("accept interrupted by a handler without SA_RESTART: EINTR");
        s = accept(l, NULL, NULL);
        CHECK(s >= 0, "accept again");
        close(s);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child");
    close(l);
}

static void bad_input(void)
{
    watchdog_step("bad input");
    EXPECT_ERRNO("SOCK_STREAM with IPPROTO_UDP", EPROTONOSUPPORT, socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    EXPECT_ERRNO("SOCK_SEQPACKET", ESOCKTNOSUPPORT, socket(AF_INET, SOCK_SEQPACKET, 0));
    EXPECT_ERRNO("a protocol past IPPROTO_MAX", EINVAL, socket(AF_INET, SOCK_STREAM, 300));
    EXPECT_ERRNO("type 11", EINVAL, socket(AF_INET, 11, 0));
    EXPECT_ERRNO("a family past AF_MAX", EAFNOSUPPORT, socket(99, SOCK_STREAM, 0));
    EXPECT_ERRNO("socketpair of TCP sockets", EOPNOTSUPP, socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0}));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0, "socket");
    addr_t a = loopback(AF_INET);
    EXPECT_ERRNO("bind with a short address", EINVAL, bind(s, &a.sa, 8));
    EXPECT_ERRNO("bind with a negative length", EINVAL, bind(s, &a.sa, -1));
    EXPECT_ERRNO("bind with a huge length", EINVAL, bind(s, &a.sa, 4096));
    EXPECT_ERRNO("bind at an unreadable address", EFAULT, bind(s, (struct sockaddr *)8, sizeof a.in));
    a.sa.sa_family = AF_INET6;
    EXPECT_ERRNO("bind with an IPv6 address", EAFNOSUPPORT, bind(s, &a.sa, sizeof a.in));
    a = loopback(AF_INET);
    a.in.sin_addr.s_addr = htonl(0x0a0b0c0d);
    EXPECT_ERRNO("bind to an address the host does not have", EADDRNOTAVAIL, bind(s, &a.sa, sizeof a.in));
    EXPECT_ERRNO("connect with no address", EINVAL, connect(s, &a.sa, 0));
    EXPECT_ERRNO("accept before listen", EINVAL, accept(s, NULL, NULL));
    EXPECT_ERRNO("accept4 with bad flags", EINVAL, accept4(s, NULL, NULL, 1));
    char b;
    EXPECT_ERRNO("recv before connect", ENOTCONN, recv(s, &b, 1, 0));
    EXPECT_ERRNO("send before connect", EPIPE, send(s, &b, 1, MSG_NOSIGNAL));
    socklen_t len = sizeof a;
    EXPECT_ERRNO("getpeername before connect", ENOTCONN, getpeername(s, &a.sa, &len));
    EXPECT_ERRNO("shutdown before connect", ENOTCONN, shutdown(s, SHUT_RDWR));
    len = sizeof a;
    CHECK(getsockname(s, &a.sa, &len) == 0 && len == sizeof a.in && a.in.sin_port == 0 && a.in.sin_addr.s_addr == 0, "an unbound socket's name");
    len = 2;
    CHECK(getsockname(s, &a.sa, &len) == 0 && len == sizeof a.in, "getsockname with little room reports the whole length");

    addr_t la;
    int l = listener(AF_INET, &la);
    int c = connect_to(&la);
    char ctrl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"x", 1};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctrl;
    mh.msg_controllen = sizeof ctrl;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &c, sizeof c);
    CHECK(sendmsg(c, &mh, 0) == 1, "SCM_RIGHTS over TCP is ignored");
    cm->cmsg_len = 100;
    EXPECT_ERRNO("a control message longer than the buffer", EINVAL, sendmsg(c, &mh, 0));
    mh.msg_control = NULL;
    mh.msg_controllen = 0;
    mh.msg_iovlen = 1025;
    EXPECT_ERRNO("1025 iovecs", EMSGSIZE, sendmsg(c, &mh, 0));
    EXPECT_ERRNO("recvmsg with 1025 iovecs", EMSGSIZE, recvmsg(c, &mh, MSG_DONTWAIT));
    EXPECT_ERRNO("listen on a connected socket", EINVAL, listen(c, 1));
    EXPECT_ERRNO("connect again", EISCONN, connect(c, &la.sa, sizeof la.in));
    EXPECT_ERRNO("send from an unreadable buffer", EFAULT, send(c, (void *)8, 4, 0));
    OK("bad input gets Linux's errors");
    close(c);
    close(l);
    close(s);
}

/* Sockets count against RLIMIT_NOFILE; an accept with no descriptor
 * free fails and leaves the connection queued. */
static void nofile(void)
{
    watchdog_step("RLIMIT_NOFILE");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        addr_t la;
        int l = listener(AF_INET, &la);
        int c = connect_to(&la);
        struct rlimit rl = {(rlim_t)c + 1, (rlim_t)c + 1};
        CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit");
        EXPECT_ERRNO("socket past RLIMIT_NOFILE", EMFILE, socket(AF_INET, SOCK_STREAM, 0));
        EXPECT_ERRNO("accept past RLIMIT_NOFILE", EMFILE, accept(l, NULL, NULL));
        close(c);
        int s = accept(l, NULL, NULL);
        CHECK(s >= 0, "the connection waited in the queue");
        OK("accept past RLIMIT_NOFILE leaves the connection queued");
        exit(0);
    }
    watchdog_kill(pid);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child");
}

static void files(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct stat st;
    CHECK(fstat(s, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0777 && st.st_size == 0, "fstat");
    char path[64], link[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", s);
    ssize_t n = readlink(path, link, sizeof link - 1);
    CHECK(n > 0, "readlink");
    link[n] = 0;
    char want[64];
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    CHECK(strcmp(link, want) == 0, "%s is %s", path, link);
    OK("fstat: S_IFSOCK 0777; /proc/self/fd: socket:[inode]");
    close(s);
}

/* The line of /proc/net/FILE whose inode is `ino`: its local port, state
 * and uid; 0 if there is none. */
static int proc_net_line(const char *file, unsigned long ino, unsigned *port, unsigned *state, unsigned *uid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/net/%s", file);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "open %s", path);
    CHECK(fgets(line, sizeof line, f) != NULL && strstr(line, "local_address") != NULL, "%s has its header", path);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char local[64];
        unsigned long lino;
        if (sscanf(line, " %*d: %63s %*s %x %*s %*s %*s %u %*d %lu", local, state, uid, &lino) == 4 && lino == ino) {
            char *colon = strrchr(local, ':');
            CHECK(colon != NULL, "a local address with a port: %s", local);
            *port = (unsigned)strtoul(colon + 1, NULL, 16);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* /proc/net/tcp, tcp6 and udp list the process's sockets by inode. */
static void proc_net(void)
{
    struct { int family, type; const char *file; unsigned state; } cases[] = {
        {AF_INET, SOCK_STREAM, "tcp", 0x0A},
        {AF_INET6, SOCK_STREAM, "tcp6", 0x0A},
        {AF_INET, SOCK_DGRAM, "udp", 0x07},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        addr_t a = loopback(cases[i].family);
        int s = socket(cases[i].family, cases[i].type, 0);
        CHECK(s >= 0, "socket");
        CHECK(bind(s, &a.sa, addr_len(cases[i].family)) == 0, "bind");
        if (cases[i].type == SOCK_STREAM)
            CHECK(listen(s, 1) == 0, "listen");
        socklen_t len = sizeof a;
        CHECK(getsockname(s, &a.sa, &len) == 0, "getsockname");
        struct stat st;
        CHECK(fstat(s, &st) == 0, "fstat");
        unsigned port = 0, state = 0, uid = 0;
        CHECK(proc_net_line(cases[i].file, (unsigned long)st.st_ino, &port, &state, &uid), "/proc/net/%s lists inode %lu", cases[i].file, (unsigned long)st.st_ino);
        CHECK(port == (unsigned)port_of(&a), "/proc/net/%s: port %u, want %d", cases[i].file, port, port_of(&a));
        CHECK(state == cases[i].state, "/proc/net/%s: state %02X", cases[i].file, state);
        CHECK(uid == getuid(), "/proc/net/%s: uid %u", cases[i].file, uid);
        close(s);
        CHECK(!proc_net_line(cases[i].file, (unsigned long)st.st_ino, &port, &state, &uid), "/proc/net/%s still lists a closed socket", cases[i].file);
        printf("ok /proc/net/%s: the socket's inode, port, state and uid, gone when closed\n", cases[i].file);
    }
}

int main(void)
{
    watchdog_start(30);
    signal(SIGPIPE, SIG_IGN);
    echo(AF_INET, "IPv4");
    echo(AF_INET6, "IPv6");
    pieces_and_death();
    write_to_gone_peer();
    nonblocking_connect(AF_INET, "IPv4");
    nonblocking_connect(AF_INET6, "IPv6");
    refused(AF_INET, "IPv4");
    refused(AF_INET6, "IPv6");
    reuseaddr();
    options();
    interrupted_accept(1);
    interrupted_accept(0);
    bad_input();
    nofile();
    files();
    proc_net();
    return 0;
}
