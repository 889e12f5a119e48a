/* Unix stream sockets: socketpair, bind/listen/connect/accept on pathnames,
 * abstract and autobound names, names and their lengths, reads and writes
 * with MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL and MSG_TRUNC, shutdown, EOF
 * and EPIPE/SIGPIPE, backlogs, unlinking a bound name, timeouts, restarts
 * after signals, buffer options, fstat and /proc. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include "unix.h"
#include "watchdog.h"

static volatile sig_atomic_t sigpipes, alarms;
static void on_sigpipe(int s) { (void)s; sigpipes++; }
static void on_usr1(int s) { (void)s; alarms++; }

static void pair_basics(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    char buf[64];
    CHECK(write(sv[0], "hello", 5) == 5, "write");
    CHECK(write(sv[0], " world", 6) == 6, "write");
    /* A stream read takes what is there, across writes. */
    CHECK(read(sv[1], buf, sizeof buf) == 11 && memcmp(buf, "hello world", 11) == 0, "read both writes");
    OK("socketpair: two writes read as one stream");
    CHECK(write(sv[1], "abcdef", 6) == 6, "write back");
    CHECK(recv(sv[0], buf, 3, MSG_PEEK) == 3 && memcmp(buf, "abc", 3) == 0, "peek");
    CHECK(recv(sv[0], buf, 4, 0) == 4 && memcmp(buf, "abcd", 4) == 0, "read after peek");
    CHECK(recv(sv[0], buf, sizeof buf, MSG_PEEK) == 2, "peek the rest");
    CHECK(recv(sv[0], buf, sizeof buf, MSG_TRUNC) == 2 && memcmp(buf, "ef", 2) == 0, "MSG_TRUNC reads as usual on a stream");
    OK("peek leaves data, partial reads continue");
    EXPECT_ERRNO("recv MSG_DONTWAIT on empty", EAGAIN, recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    EXPECT_ERRNO("recv of 0 bytes on empty waits for data", EAGAIN, recv(sv[0], buf, 0, MSG_DONTWAIT));
    CHECK(read(sv[0], buf, 0) == 0, "read of 0 bytes returns at once");
    CHECK(write(sv[1], "q", 1) == 1, "write");
    CHECK(recv(sv[0], buf, 0, 0) == 0, "recv of 0 bytes with data queued");
    CHECK(recv(sv[0], buf, 1, 0) == 1 && buf[0] == 'q', "the data is still there");
    int n = -1;
    CHECK(write(sv[1], "xyz", 3) == 3, "write");
    CHECK(ioctl(sv[0], SIOCINQ, &n) == 0 && n == 3, "SIOCINQ %d", n);
    CHECK(ioctl(sv[0], FIONREAD, &n) == 0 && n == 3, "FIONREAD %d", n);
    CHECK(ioctl(sv[1], SIOCOUTQ, &n) == 0 && n >= 3, "SIOCOUTQ %d", n);
    CHECK(read(sv[0], buf, sizeof buf) == 3, "read");
    CHECK(ioctl(sv[1], SIOCOUTQ, &n) == 0 && n == 0, "SIOCOUTQ after read %d", n);
    OK("SIOCINQ/FIONREAD count queued bytes, SIOCOUTQ drops to 0 once read");
    /* A zero-length write sends nothing. */
    CHECK(write(sv[0], "", 0) == 0, "empty write");
    EXPECT_ERRNO("nothing arrived", EAGAIN, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    close(sv[0]);
    CHECK(read(sv[1], buf, sizeof buf) == 0, "EOF");
    CHECK(read(sv[1], buf, sizeof buf) == 0, "EOF again");
    OK("EOF once the peer is closed");
    sigpipes = 0;
    EXPECT_ERRNO("write to a closed peer", EPIPE, write(sv[1], "x", 1));
    CHECK(sigpipes == 1, "one SIGPIPE, got %d", (int)sigpipes);
    EXPECT_ERRNO("send MSG_NOSIGNAL to a closed peer", EPIPE, send(sv[1], "x", 1, MSG_NOSIGNAL));
    CHECK(sigpipes == 1, "no SIGPIPE with MSG_NOSIGNAL");
    OK("EPIPE with SIGPIPE, and without it for MSG_NOSIGNAL");
    close(sv[1]);
}

static void shutdowns(void)
{
    int sv[2];
    char buf[16];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(write(sv[0], "last", 4) == 4, "write");
    CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown SHUT_WR");
    CHECK(read(sv[1], buf, sizeof buf) == 4, "data before the end");
    CHECK(read(sv[1], buf, sizeof buf) == 0, "then EOF");
    sigpipes = 0;
    EXPECT_ERRNO("write after SHUT_WR", EPIPE, write(sv[0], "x", 1));
    CHECK(sigpipes == 1, "SIGPIPE after SHUT_WR");
    CHECK(write(sv[1], "back", 4) == 4, "the other way still works");
    CHECK(read(sv[0], buf, sizeof buf) == 4, "read back");
    OK("SHUT_WR: the peer reads EOF, writes come back");
    CHECK(shutdown(sv[0], SHUT_RD) == 0, "shutdown SHUT_RD");
    CHECK(read(sv[0], buf, sizeof buf) == 0, "read after own SHUT_RD is EOF");
    sigpipes = 0;
    EXPECT_ERRNO("peer's write after SHUT_RD", EPIPE, write(sv[1], "x", 1));
    CHECK(sigpipes == 1, "SIGPIPE");
    OK("SHUT_RD: reads end, the peer's writes fail");
    EXPECT_ERRNO("shutdown how=3", EINVAL, shutdown(sv[0], 3));
    close(sv[0]);
    close(sv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(shutdown(s, SHUT_RDWR) == 0, "shutdown of an unconnected socket");
    OK("shutdown of an unconnected Unix socket succeeds");
    close(s);
}

static void names(void)
{
    const char *path = unix_path("srv");
    int l = unix_server(SOCK_STREAM, path, 5);
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0, "getsockname");
    CHECK(len == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1, "pathname length %d", (int)len);
    CHECK(strcmp(a.sun_path, path) == 0, "pathname");
    OK("getsockname of a pathname: family, path and NUL");
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "a socket file");
    CHECK((st.st_mode & 0777) == (0777 & ~022), "mode %o", st.st_mode & 0777);
    OK("bind made a socket file with the umask applied");
    int c = unix_client(SOCK_STREAM, path);
    struct sockaddr_un p;
    socklen_t plen = sizeof p;
    int s = accept(l, (struct sockaddr *)&p, &plen);
    CHECK(s >= 0, "accept");
    CHECK(plen == offsetof(struct sockaddr_un, sun_path), "an unnamed peer's address is the family alone: %d", (int)plen);
    len = sizeof a;
    CHECK(getpeername(c, (struct sockaddr *)&a, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1 && strcmp(a.sun_path, path) == 0, "client's peer");
    len = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0 && strcmp(a.sun_path, path) == 0, "accepted socket's name is the listener's");
    len = sizeof a;
    CHECK(getpeername(s, (struct sockaddr *)&a, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path), "accepted socket's peer is unnamed");
    len = sizeof a;
    CHECK(getsockname(c, (struct sockaddr *)&a, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path), "client unnamed");
    OK("names of a connection: the listener's on both ends, the client unnamed");
    len = 4;
    memset(&a, 'z', sizeof a);
    CHECK(getpeername(c, (struct sockaddr *)&a, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1 && a.sun_path[2] == 'z', "a short buffer gets a cut name and the full length");
    len = 0;
    CHECK(getsockname(c, NULL, &len) == 0 && len == offsetof(struct sockaddr_un, sun_path), "a null buffer of length 0");
    OK("names cut to the buffer, the length reported whole");
    /* Unlinking the name leaves the connection and the listener working. */
    CHECK(unlink(path) == 0, "unlink");
    CHECK(write(c, "ping", 4) == 4, "write");
    char buf[8];
    CHECK(read(s, buf, sizeof buf) == 4, "read");
    struct sockaddr_un ua;
    socklen_t ulen = unix_addr(&ua, path);
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("connect to the unlinked name", ENOENT, connect(c2, (struct sockaddr *)&ua, ulen));
    len = sizeof a;
    CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0 && strcmp(a.sun_path, path) == 0, "the listener keeps its name");
    OK("unlink: connections go on, the name is gone");
    /* A new socket may take the name again. */
    int l2 = unix_server(SOCK_STREAM, path, 5);
    CHECK(connect(c2, (struct sockaddr *)&ua, ulen) == 0, "connect to the new listener");
    int s2 = accept(l2, NULL, NULL);
    CHECK(s2 >= 0, "accept");
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
    EXPECT_ERRNO("the old listener has no connection", EAGAIN, accept(l, NULL, NULL));
    OK("a rebound name reaches the new socket");
    close(l2);
    int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("connect after the listener closed", ECONNREFUSED, connect(c3, (struct sockaddr *)&ua, ulen));
    int l3 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("bind where the closed listener's file still is", EADDRINUSE, bind(l3, (struct sockaddr *)&ua, ulen));
    unlink(path);
    close(l3);
    close(c3);
    close(c);
    close(s);
    close(c2);
    close(s2);
    close(l);
}

static void abstract_names(void)
{
    struct sockaddr_un a, b;
    socklen_t alen = unix_abstract(&a, "sbx-unix-stream-test");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(l, (struct sockaddr *)&a, alen) == 0, "bind abstract");
    CHECK(listen(l, 5) == 0, "listen");
    socklen_t blen = sizeof b;
    CHECK(getsockname(l, (struct sockaddr *)&b, &blen) == 0 && blen == alen && memcmp(&a, &b, alen) == 0, "abstract name as bound");
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("bind a taken abstract name", EADDRINUSE, bind(l2, (struct sockaddr *)&a, alen));
    /* A datagram socket may hold the same name. */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(d, (struct sockaddr *)&a, alen) == 0, "a datagram socket binds the same abstract name");
    OK("abstract names are per socket type");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, alen) == 0, "connect abstract");
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    CHECK(write(c, "x", 1) == 1 && read(s, &b, 1) == 1, "data");
    /* The name is the bytes given: a longer one is another name. */
    struct sockaddr_un a2 = a;
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("connect to the name with a trailing NUL", ECONNREFUSED, connect(c2, (struct sockaddr *)&a2, alen + 1));
    OK("abstract connect; the length is part of the name");
    close(l);
    int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("the name went with the listener", ECONNREFUSED, connect(c3, (struct sockaddr *)&a, alen));
    CHECK(bind(l2, (struct sockaddr *)&a, alen) == 0, "and is free again");
    OK("an abstract name is freed when its socket closes");
    close(l2);
    close(c);
    close(c2);
    close(c3);
    close(s);
    close(d);
}

static void autobind(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0, "autobind");
    socklen_t len = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0, "getsockname");
    CHECK(len == offsetof(struct sockaddr_un, sun_path) + 6, "autobind length %d", (int)len);
    CHECK(a.sun_path[0] == 0, "abstract");
    for (int i = 1; i < 6; i++)
        CHECK(strchr("0123456789abcdef", a.sun_path[i]) != NULL, "hex digit");
    OK("autobind: a NUL and five hex digits");
    struct sockaddr_un b = {.sun_family = AF_UNIX};
    CHECK(bind(s, (struct sockaddr *)&b, sizeof(sa_family_t)) == 0, "autobind again is a no-op");
    socklen_t blen = sizeof b;
    CHECK(getsockname(s, (struct sockaddr *)&b, &blen) == 0 && blen == len && memcmp(&a, &b, len) == 0, "same name");
    EXPECT_ERRNO("bind a named socket", EINVAL, bind(s, (struct sockaddr *)&b, unix_abstract(&b, "other")));
    OK("a bound socket keeps its name");
    CHECK(listen(s, 1) == 0, "listen on the autobound name");
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&a, len) == 0, "connect to it");
    close(c);
    close(s);
}

static void options(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int v;
    socklen_t l = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_STREAM, "SO_TYPE");
    CHECK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l) == 0 && v == AF_UNIX, "SO_DOMAIN");
    CHECK(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l) == 0 && v == 0, "SO_PROTOCOL");
    CHECK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v == 0, "SO_ACCEPTCONN");
    CHECK(getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l) == 0 && v == 0, "SO_ERROR");
    OK("SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR");
    int set[] = {1, 4096, 100000};
    for (int i = 0; i < 3; i++) {
        CHECK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &set[i], sizeof set[i]) == 0, "SO_SNDBUF");
        CHECK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0, "get SO_SNDBUF");
        printf("SO_SNDBUF %d reads %d\n", set[i], v);
        CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &set[i], sizeof set[i]) == 0, "SO_RCVBUF");
        CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0, "get SO_RCVBUF");
        printf("SO_RCVBUF %d reads %d\n", set[i], v);
    }
    int one = 1;
    int flags[] = {SO_REUSEADDR, SO_KEEPALIVE, SO_PASSCRED};
    const char *names[] = {"SO_REUSEADDR", "SO_KEEPALIVE", "SO_PASSCRED"};
    for (int i = 0; i < 3; i++) {
        int seven = 7;
        CHECK(setsockopt(s, SOL_SOCKET, flags[i], &seven, sizeof seven) == 0, "set");
        CHECK(getsockopt(s, SOL_SOCKET, flags[i], &v, &l) == 0, "get");
        printf("%s set to 7 reads %d\n", names[i], v);
    }
    (void)one;
    struct linger lg = {1, 5};
    CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER");
    socklen_t ll = sizeof lg;
    memset(&lg, 0, sizeof lg);
    CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &ll) == 0 && ll == sizeof lg, "get SO_LINGER");
    printf("SO_LINGER {1, 5} reads {%d, %d}\n", lg.l_onoff, lg.l_linger);
    struct timeval tv = {2, 500000};
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
    socklen_t tl = sizeof tv;
    memset(&tv, 0, sizeof tv);
    CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) == 0 && tl == sizeof tv, "get SO_RCVTIMEO");
    printf("SO_RCVTIMEO {2, 500000} reads {%ld, %ld}\n", (long)tv.tv_sec, (long)tv.tv_usec);
    tv.tv_sec = 0;
    tv.tv_usec = 1000000;
    EXPECT_ERRNO("SO_SNDTIMEO with 1000000 usec", EDOM, setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    l = 2;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && l == 2, "a short option buffer is cut");
    OK("options read back as Linux keeps them");
    close(s);
}

static void backlog(void)
{
    const char *path = unix_path("backlog");
    int l = unix_server(SOCK_STREAM, path, 1);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, path);
    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(c[0], (struct sockaddr *)&a, alen) == 0, "first connect");
    CHECK(connect(c[1], (struct sockaddr *)&a, alen) == 0, "second connect");
    EXPECT_ERRNO("third connect to a backlog of 1", EAGAIN, connect(c[2], (struct sockaddr *)&a, alen));
    int v;
    socklen_t vl = sizeof v;
    CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 1, "SO_ACCEPTCONN on a listener");
    /* A blocking connect waits until the listener makes room. */
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int b = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(b, (struct sockaddr *)&a, alen) != 0)
            _exit(2);
        if (write(b, "w", 1) != 1)
            _exit(3);
        _exit(0);
    }
    sleep_ms(100);
    int s = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    CHECK(s >= 0, "accept4");
    CHECK(fcntl(s, F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC");
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK");
    watchdog_step("the blocked connect");
    reap_ok(pid, "blocked connect");
    OK("backlog: 1 takes two, a third waits or is EAGAIN");
    int got = 0;
    for (int i = 0; i < 2; i++) {
        int t = accept(l, NULL, NULL);
        CHECK(t >= 0, "accept");
        char ch;
        if (recv(t, &ch, 1, MSG_DONTWAIT) == 1)
            got++;
        close(t);
    }
    CHECK(got == 1, "the waiting client's byte arrived on one of the connections");
    OK("accepted the rest");
    close(s);
    for (int i = 0; i < 3; i++)
        close(c[i]);
    close(l);
    unlink(path);
}

static void transfer(void)
{
    /* A megabyte from a child, in odd sizes, read with MSG_WAITALL. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    enum { TOTAL = 1 << 20 };
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(30);
        close(sv[0]);
        static unsigned char out[TOTAL];
        for (int i = 0; i < TOTAL; i++)
            out[i] = (unsigned char)(i * 7 + i / 251);
        int off = 0, step = 1;
        while (off < TOTAL) {
            int n = step < TOTAL - off ? step : TOTAL - off;
            ssize_t w = write(sv[1], out + off, n);
            if (w <= 0)
                _exit(2);
            off += w;
            step = step * 3 + 1;
            if (step > 100000)
                step = 7;
        }
        _exit(0);
    }
    close(sv[1]);
    static unsigned char in[TOTAL];
    watchdog_step("the megabyte");
    ssize_t r = recv(sv[0], in, TOTAL, MSG_WAITALL);
    CHECK(r == TOTAL, "MSG_WAITALL got %zd", r);
    for (int i = 0; i < TOTAL; i++)
        CHECK(in[i] == (unsigned char)(i * 7 + i / 251), "byte %d", i);
    CHECK(read(sv[0], in, 1) == 0, "EOF after");
    reap_ok(pid, "writer");
    OK("a megabyte in order, MSG_WAITALL waits for all of it");
    close(sv[0]);
    /* Filling a non-blocking socket: EAGAIN once the buffer is full. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0, "socketpair");
    static char big[1 << 16];
    long total = 0;
    ssize_t w;
    while ((w = write(sv[0], big, sizeof big)) > 0)
        total += w;
    CHECK(w < 0 && errno == EAGAIN, "EAGAIN when full");
    CHECK(total > 100000 && total < 1000000, "what fits: %ld", total);
    long drained = 0;
    while ((w = read(sv[1], big, sizeof big)) > 0)
        drained += w;
    CHECK(drained == total, "all read back");
    OK("a non-blocking writer fills the buffer, then EAGAIN");
    close(sv[0]);
    close(sv[1]);
}

static void timeouts_and_signals(void)
{
    int sv[2];
    char buf[8];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    struct timeval tv = {0, 200000};
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
    long t0 = now_ms();
    EXPECT_ERRNO("read past SO_RCVTIMEO", EAGAIN, read(sv[0], buf, sizeof buf));
    CHECK(now_ms() - t0 >= 150, "waited the timeout");
    OK("SO_RCVTIMEO ends a read with EAGAIN");
    /* A signal with SA_RESTART restarts a read without a timeout... */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        kill(parent, SIGUSR1);
        sleep_ms(100);
        if (write(sv[1], "r", 1) != 1)
            _exit(2);
        _exit(0);
    }
    alarms = 0;
    watchdog_step("the restarted read");
    CHECK(read(sv[0], buf, 0) == 0, "a zero-length read returns at once");
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "clear SO_RCVTIMEO");
    CHECK(read(sv[0], buf, sizeof buf) == 1 && buf[0] == 'r', "the read restarted and got the byte");
    CHECK(alarms == 1, "the handler ran");
    reap_ok(pid, "signaller");
    OK("SA_RESTART restarts a blocked read");
    /* ... but with SO_RCVTIMEO set the read fails with EINTR. */
    tv.tv_sec = 10;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO 10s");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    watchdog_step("the interrupted timed read");
    EXPECT_ERRNO("a timed read interrupted by an SA_RESTART handler", EINTR, read(sv[0], buf, sizeof buf));
    reap_ok(pid, "signaller");
    /* And without SA_RESTART any read fails with EINTR. */
    sa.sa_flags = 0;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
    tv.tv_sec = 0;
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "clear SO_RCVTIMEO");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        sleep_ms(100);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    EXPECT_ERRNO("a read interrupted by a handler without SA_RESTART", EINTR, read(sv[0], buf, sizeof buf));
    reap_ok(pid, "signaller");
    OK("timeouts and handlers without SA_RESTART end reads with EINTR");
    close(sv[0]);
    close(sv[1]);
}

static void fstat_and_proc(void)
{
    const char *path = unix_path("proc");
    int l = unix_server(SOCK_STREAM, path, 5);
    struct stat st;
    CHECK(fstat(l, &st) == 0 && S_ISSOCK(st.st_mode), "fstat S_IFSOCK");
    char link[64], want[64];
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", l);
    ssize_t n = readlink(fdpath, link, sizeof link - 1);
    CHECK(n > 0, "readlink");
    link[n] = 0;
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    CHECK(strcmp(link, want) == 0, "/proc/self/fd names the socket's inode");
    OK("fstat shows S_IFSOCK; /proc/self/fd/N reads socket:[inode]");
    FILE *f = fopen("/proc/net/unix", "r");
    CHECK(f != NULL, "open /proc/net/unix");
    char line[512];
    CHECK(fgets(line, sizeof line, f) != NULL, "header");
    CHECK(strcmp(line, "Num       RefCount Protocol Flags    Type St Inode Path\n") == 0, "header: %s", line);
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long ino;
        unsigned flags, type, state;
        char p[256] = "";
        if (sscanf(line, "%*[0-9a-f]: %*x %*x %x %x %x %lu %255s", &flags, &type, &state, &ino, p) >= 4 && ino == st.st_ino) {
            CHECK(flags == 0x10000 && type == SOCK_STREAM && state == 1 && strcmp(p, path) == 0, "listener line: %s", line);
            found = 1;
        }
    }
    fclose(f);
    CHECK(found, "the listener is listed");
    OK("/proc/net/unix lists the listener with its flags, type, state, inode and path");
    close(l);
    unlink(path);
}

int main(void)
{
    watchdog_start(60);
    signal(SIGPIPE, on_sigpipe);
    umask(022);
    unix_dir_make();
    pair_basics();
    shutdowns();
    names();
    abstract_names();
    autobind();
    options();
    backlog();
    transfer();
    timeouts_and_signals();
    fstat_and_proc();
    unix_dir_remove();
    return 0;
}
