/* Unix datagram sockets: message boundaries, MSG_TRUNC, senders'
 * addresses, connected and unconnected sockets, EPERM for a socket
 * connected elsewhere, ECONNREFUSED after the peer closes, the receive
 * queue limit, EMSGSIZE, AF_UNSPEC, shutdown, sendmmsg/recvmmsg. */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include "unix.h"
#include "watchdog.h"

static void pair(void)
{
    int sv[2];
    char buf[64];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    CHECK(send(sv[0], "one", 3, 0) == 3, "send");
    CHECK(send(sv[0], "three", 5, 0) == 5, "send");
    CHECK(send(sv[0], "", 0, 0) == 0, "send empty");
    int n = -1;
    CHECK(ioctl(sv[1], SIOCINQ, &n) == 0 && n == 3, "SIOCINQ is the next datagram's length: %d", n);
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 3 && memcmp(buf, "one", 3) == 0, "first");
    CHECK(read(sv[1], buf, 0) == 0, "a read of 0 bytes");
    CHECK(recv(sv[1], buf, 0, MSG_PEEK | MSG_TRUNC) == 5, "the next is still there");
    CHECK(recv(sv[1], buf, 2, MSG_PEEK) == 2, "peek two bytes");
    CHECK(recv(sv[1], buf, 2, MSG_TRUNC | MSG_PEEK) == 5, "MSG_TRUNC reports the whole length");
    struct iovec iov = {buf, 2};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK(recvmsg(sv[1], &m, 0) == 2 && (m.msg_flags & MSG_TRUNC), "cut short: MSG_TRUNC in msg_flags");
    CHECK(read(sv[1], buf, 0) == 0, "a read of 0 bytes takes no datagram");
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 0, "the empty datagram");
    EXPECT_ERRNO("nothing left", EAGAIN, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    OK("datagrams keep their boundaries; the rest of a cut one is lost");
    close(sv[0]);
    close(sv[1]);
}

static void addresses(void)
{
    const char *spath = unix_path("server");
    const char *cpath = unix_path("client");
    int s = unix_server(SOCK_DGRAM, spath, 0);
    struct sockaddr_un sa, ca, from;
    socklen_t salen = unix_addr(&sa, spath);
    socklen_t calen = unix_addr(&ca, cpath);
    char buf[64];
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(sendto(anon, "anon", 4, 0, (struct sockaddr *)&sa, salen) == 4, "sendto from an unnamed socket");
    socklen_t flen = sizeof from;
    memset(&from, 'z', sizeof from);
    CHECK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 4, "recvfrom");
    CHECK(flen == 0, "an unnamed sender gives no address: %d", (int)flen);
    int named = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(named, (struct sockaddr *)&ca, calen) == 0, "bind client");
    CHECK(sendto(named, "named", 5, 0, (struct sockaddr *)&sa, salen) == 5, "sendto from a named socket");
    flen = sizeof from;
    CHECK(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) == 5, "recvfrom");
    CHECK(flen == calen && strcmp(from.sun_path, cpath) == 0, "the sender's name");
    CHECK(sendto(s, "reply", 5, 0, (struct sockaddr *)&from, flen) == 5, "reply to it");
    CHECK(recv(named, buf, sizeof buf, 0) == 5, "the reply");
    OK("recvfrom gives the sender's name (none for an unnamed one), replies reach it");
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_name = &from, .msg_namelen = 4, .msg_iov = &iov, .msg_iovlen = 1};
    CHECK(sendto(named, "x", 1, 0, (struct sockaddr *)&sa, salen) == 1, "sendto");
    memset(&from, 0, sizeof from);
    CHECK(recvmsg(s, &m, 0) == 1 && m.msg_namelen == calen && memcmp(from.sun_path, cpath, 2) == 0 && from.sun_path[2] == 0, "recvmsg cuts the name to msg_namelen and reports its length");
    OK("recvmsg reports the whole name length");
    /* Connected: send without an address; others may still sendto. */
    CHECK(connect(anon, (struct sockaddr *)&sa, salen) == 0, "connect");
    CHECK(send(anon, "c", 1, 0) == 1, "send on the connected socket");
    CHECK(sendto(anon, "d", 1, 0, (struct sockaddr *)&ca, calen) == 1, "sendto elsewhere from a connected socket");
    CHECK(recv(s, buf, sizeof buf, 0) == 1 && buf[0] == 'c', "got it");
    CHECK(recv(named, buf, sizeof buf, 0) == 1 && buf[0] == 'd', "got it elsewhere");
    struct sockaddr_un p;
    socklen_t plen = sizeof p;
    CHECK(getpeername(anon, (struct sockaddr *)&p, &plen) == 0 && strcmp(p.sun_path, spath) == 0, "getpeername");
    plen = sizeof p;
    EXPECT_ERRNO("getpeername of the server", ENOTCONN, getpeername(s, (struct sockaddr *)&p, &plen));
    OK("a connected datagram socket sends to its peer, or anywhere");
    /* A socket connected to another refuses others. */
    CHECK(connect(named, (struct sockaddr *)&sa, salen) == 0, "client connects to server");
    CHECK(connect(s, (struct sockaddr *)&ca, calen) == 0, "server connects to client");
    EXPECT_ERRNO("a third party's datagram to the connected server", EPERM, sendto(anon, "e", 1, 0, (struct sockaddr *)&sa, salen));
    EXPECT_ERRNO("a send by the anonymous socket to its peer", EPERM, send(anon, "e", 1, 0));
    OK("EPERM to a socket connected elsewhere");
    /* AF_UNSPEC disconnects. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK(connect(anon, &unspec, sizeof unspec) == 0, "disconnect");
    EXPECT_ERRNO("send after disconnect", ENOTCONN, send(anon, "f", 1, 0));
    plen = sizeof p;
    EXPECT_ERRNO("getpeername after disconnect", ENOTCONN, getpeername(anon, (struct sockaddr *)&p, &plen));
    OK("AF_UNSPEC disconnects");
    /* The server closes: its connected client gets ECONNREFUSED, then is
     * unconnected. */
    close(s);
    EXPECT_ERRNO("send to a closed peer", ECONNREFUSED, send(named, "g", 1, 0));
    EXPECT_ERRNO("then", ENOTCONN, send(named, "g", 1, 0));
    EXPECT_ERRNO("sendto the closed server's name", ECONNREFUSED, sendto(anon, "h", 1, 0, (struct sockaddr *)&sa, salen));
    OK("a closed peer refuses");
    close(anon);
    close(named);
    unlink(spath);
    unlink(cpath);
}

static void lookups(void)
{
    char buf[4];
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, unix_path("missing"));
    EXPECT_ERRNO("sendto a missing name", ENOENT, sendto(d, "x", 1, 0, (struct sockaddr *)&a, alen));
    int f = open(unix_path("file"), O_CREAT | O_WRONLY, 0666);
    close(f);
    alen = unix_addr(&a, unix_path("file"));
    EXPECT_ERRNO("sendto a regular file", ECONNREFUSED, sendto(d, "x", 1, 0, (struct sockaddr *)&a, alen));
    int l = unix_server(SOCK_STREAM, unix_path("stream"), 1);
    alen = unix_addr(&a, unix_path("stream"));
    EXPECT_ERRNO("sendto a stream socket's name", EPROTOTYPE, sendto(d, "x", 1, 0, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("connect to it", EPROTOTYPE, connect(d, (struct sockaddr *)&a, alen));
    alen = unix_abstract(&a, "sbx-unix-dgram-nobody");
    EXPECT_ERRNO("sendto a free abstract name", ECONNREFUSED, sendto(d, "x", 1, 0, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("send unconnected", ENOTCONN, send(d, "x", 1, 0));
    EXPECT_ERRNO("recv on an unnamed socket, MSG_DONTWAIT", EAGAIN, recv(d, buf, 1, MSG_DONTWAIT));
    EXPECT_ERRNO("listen on a datagram socket", EOPNOTSUPP, listen(d, 1));
    EXPECT_ERRNO("accept on a datagram socket", EOPNOTSUPP, accept(d, NULL, NULL));
    OK("datagram lookups fail as Linux's");
    close(l);
    close(d);
    unlink(unix_path("file"));
    unlink(unix_path("stream"));
}

static void limits(void)
{
    const char *spath = unix_path("full");
    int s = unix_server(SOCK_DGRAM, spath, 0);
    struct sockaddr_un sa;
    socklen_t salen = unix_addr(&sa, spath);
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sent = 0;
    while (sendto(c, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&sa, salen) == 1)
        sent++;
    CHECK(errno == EAGAIN, "EAGAIN when full: %s", errname(errno));
    printf("an unconnected receiver's queue took %d datagrams\n", sent);
    char buf[8];
    CHECK(recv(s, buf, sizeof buf, 0) == 1, "take one");
    CHECK(sendto(c, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&sa, salen) == 1, "room for one more");
    OK("the receive queue limit holds unconnected senders");
    /* A connected pair is bounded by the send buffer only. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    int many = 0;
    while (send(sv[0], "q", 1, MSG_DONTWAIT) == 1)
        many++;
    CHECK(errno == EAGAIN && many > 100, "a pair takes more: %d", many);
    OK("a socketpair takes datagrams until its send buffer is full");
    static char big[300000];
    EXPECT_ERRNO("a datagram larger than the send buffer", EMSGSIZE, send(c, big, sizeof big, 0));
    int small = 5000;
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0, "SO_SNDBUF");
    EXPECT_ERRNO("a datagram larger than a small send buffer", EMSGSIZE, send(sv[1], big, 10000, 0));
    CHECK(send(sv[1], big, 9000, 0) == 9000, "one that fits");
    OK("EMSGSIZE past the send buffer");
    close(sv[0]);
    close(sv[1]);
    close(c);
    close(s);
    unlink(spath);
}

static void shutdowns(void)
{
    int sv[2];
    char buf[8];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    CHECK(shutdown(sv[0], SHUT_RD) == 0, "SHUT_RD");
    EXPECT_ERRNO("a non-blocking read after SHUT_RD", EAGAIN, recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    CHECK(recv(sv[0], buf, sizeof buf, 0) == 0, "a blocking read after SHUT_RD reads 0");
    EXPECT_ERRNO("the peer's send after SHUT_RD", EPIPE, send(sv[1], "x", 1, 0));
    CHECK(shutdown(sv[1], SHUT_WR) == 0, "SHUT_WR");
    EXPECT_ERRNO("send after SHUT_WR", EPIPE, send(sv[1], "x", 1, 0));
    OK("datagram shutdowns: EPIPE without SIGPIPE");
    close(sv[0]);
    close(sv[1]);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    close(sv[1]);
    EXPECT_ERRNO("a read on a datagram pair whose peer closed waits", EAGAIN, recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    OK("no EOF on a datagram socket");
    close(sv[0]);
}

static void mmsg(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    char out[3][8] = {"a", "bb", "ccc"};
    struct iovec oiov[3];
    struct mmsghdr om[3];
    memset(om, 0, sizeof om);
    for (int i = 0; i < 3; i++) {
        oiov[i].iov_base = out[i];
        oiov[i].iov_len = strlen(out[i]);
        om[i].msg_hdr.msg_iov = &oiov[i];
        om[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(sendmmsg(sv[0], om, 3, 0) == 3, "sendmmsg");
    CHECK(om[0].msg_len == 1 && om[1].msg_len == 2 && om[2].msg_len == 3, "lengths sent");
    char in[4][8];
    struct iovec iiov[4];
    struct mmsghdr im[4];
    memset(im, 0, sizeof im);
    for (int i = 0; i < 4; i++) {
        iiov[i].iov_base = in[i];
        iiov[i].iov_len = sizeof in[i];
        im[i].msg_hdr.msg_iov = &iiov[i];
        im[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL) == 3, "recvmmsg takes what is there");
    CHECK(im[0].msg_len == 1 && im[1].msg_len == 2 && im[2].msg_len == 3 && memcmp(in[2], "ccc", 3) == 0, "lengths received");
    EXPECT_ERRNO("recvmmsg on empty", EAGAIN, recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL));
    OK("sendmmsg and recvmmsg");
    close(sv[0]);
    close(sv[1]);
}

static void blocking(void)
{
    /* A blocked receiver wakes for a datagram from a child; a sender blocked
     * on a full receiver wakes when it drains. */
    const char *spath = unix_path("blocking");
    int s = unix_server(SOCK_DGRAM, spath, 0);
    struct sockaddr_un sa;
    socklen_t salen = unix_addr(&sa, spath);
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sent = 0;
    while (sendto(c, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&sa, salen) == 1)
        sent++;
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        char b[4];
        for (int i = 0; i < sent + 1; i++)
            if (recv(s, b, sizeof b, 0) != 1)
                _exit(2);
        _exit(0);
    }
    watchdog_step("a blocked datagram sender");
    CHECK(sendto(c, "z", 1, 0, (struct sockaddr *)&sa, salen) == 1, "the blocked send completes once the receiver drains");
    reap_ok(pid, "receiver");
    OK("a sender waits for room in a full receiver's queue");
    close(c);
    close(s);
    unlink(spath);
}

int main(void)
{
    watchdog_start(60);
    unix_dir_make();
    pair();
    addresses();
    lookups();
    limits();
    shutdowns();
    mmsg();
    blocking();
    unix_dir_remove();
    return 0;
}
