/* Hostile and wrong input to Unix sockets: Linux's errno for bad types
 * and protocols, bad addresses and lengths, bad control messages, calls
 * in the wrong state, permissions, socket files that nothing listens on,
 * descriptor limits, and a peer that dies mid-transfer. */
#define _GNU_SOURCE
#include <signal.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include "unix.h"
#include "watchdog.h"

static void creation(void)
{
    EXPECT_ERRNO("protocol 2", EPROTONOSUPPORT, socket(AF_UNIX, SOCK_STREAM, 2));
    int s = socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
    CHECK(s >= 0, "protocol PF_UNIX");
    close(s);
    EXPECT_ERRNO("type 0", ESOCKTNOSUPPORT, socket(AF_UNIX, 0, 0));
    EXPECT_ERRNO("SOCK_RDM", ESOCKTNOSUPPORT, socket(AF_UNIX, SOCK_RDM, 0));
    EXPECT_ERRNO("SOCK_PACKET", ESOCKTNOSUPPORT, socket(AF_UNIX, SOCK_PACKET, 0));
    EXPECT_ERRNO("type 11", EINVAL, socket(AF_UNIX, 11, 0));
    EXPECT_ERRNO("type 15", EINVAL, socket(AF_UNIX, 15, 0));
    EXPECT_ERRNO("type 11 with a bad protocol", EINVAL, socket(AF_UNIX, 11, 9));
    EXPECT_ERRNO("a bad protocol with a bad type", EPROTONOSUPPORT, socket(AF_UNIX, SOCK_RDM, 9));
    EXPECT_ERRNO("unknown type flags", EINVAL, socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
    EXPECT_ERRNO("family 46", EAFNOSUPPORT, socket(46, SOCK_STREAM, 0));
    EXPECT_ERRNO("family -1", EAFNOSUPPORT, socket(-1, SOCK_STREAM, 0));
    s = socket(AF_UNIX, SOCK_RAW, 0);
    CHECK(s >= 0, "SOCK_RAW");
    int v;
    socklen_t l = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l) == 0 && v == SOCK_DGRAM, "SOCK_RAW is a datagram socket");
    close(s);
    int sv[2];
    EXPECT_ERRNO("socketpair protocol 2", EPROTONOSUPPORT, socketpair(AF_UNIX, SOCK_STREAM, 2, sv));
    EXPECT_ERRNO("socketpair type 0", ESOCKTNOSUPPORT, socketpair(AF_UNIX, 0, 0, sv));
    int *volatile unwritable = (int *)8;
    EXPECT_ERRNO("socketpair into unwritable memory", EFAULT, socketpair(AF_UNIX, SOCK_STREAM, 0, unwritable));
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0, "socketpair with flags");
    CHECK((fcntl(sv[0], F_GETFL) & O_NONBLOCK) && fcntl(sv[1], F_GETFD) == FD_CLOEXEC, "flags applied to both");
    close(sv[0]);
    close(sv[1]);
    OK("creation errors");
}

static void addresses(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, unix_path("addr"));
    EXPECT_ERRNO("bind length 0", EINVAL, bind(s, (struct sockaddr *)&a, 0));
    EXPECT_ERRNO("bind length 1", EINVAL, bind(s, (struct sockaddr *)&a, 1));
    EXPECT_ERRNO("bind length 111", EINVAL, bind(s, (struct sockaddr *)&a, 111));
    EXPECT_ERRNO("bind length 4096", EINVAL, bind(s, (struct sockaddr *)&a, 4096));
    EXPECT_ERRNO("bind length -1", EINVAL, bind(s, (struct sockaddr *)&a, -1));
    EXPECT_ERRNO("bind from unreadable memory", EFAULT, bind(s, (struct sockaddr *)8, alen));
    struct sockaddr_un wrong = a;
    wrong.sun_family = AF_INET;
    EXPECT_ERRNO("bind an AF_INET address", EINVAL, bind(s, (struct sockaddr *)&wrong, alen));
    wrong.sun_family = AF_UNSPEC;
    EXPECT_ERRNO("bind an AF_UNSPEC address", EINVAL, bind(s, (struct sockaddr *)&wrong, alen));
    struct sockaddr_un b;
    socklen_t blen = unix_addr(&b, "/nonexistent-dir-sbx/sock");
    EXPECT_ERRNO("bind in a missing directory", ENOENT, bind(s, (struct sockaddr *)&b, blen));
    int f = open(unix_path("plainfile"), O_CREAT | O_WRONLY, 0600);
    close(f);
    char p[200];
    snprintf(p, sizeof p, "%s/sock", unix_path("plainfile"));
    blen = unix_addr(&b, p);
    EXPECT_ERRNO("bind under a regular file", ENOTDIR, bind(s, (struct sockaddr *)&b, blen));
    blen = unix_addr(&b, unix_path("plainfile"));
    EXPECT_ERRNO("bind over a regular file", EADDRINUSE, bind(s, (struct sockaddr *)&b, blen));
    EXPECT_ERRNO("bind over a directory", EADDRINUSE, bind(s, (struct sockaddr *)&b, unix_addr(&b, unix_dir)));
    /* A 108-byte path with no NUL: the name is read to the end of the
     * address, and reported with a NUL after it. */
    char cwd[256];
    CHECK(getcwd(cwd, sizeof cwd) != NULL && chdir(unix_dir) == 0, "chdir");
    memset(&b, 0, sizeof b);
    b.sun_family = AF_UNIX;
    memset(b.sun_path, 'x', sizeof b.sun_path);
    int x = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(x, (struct sockaddr *)&b, sizeof b) == 0, "bind a name of 108 bytes (no NUL)");
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    CHECK(getsockname(x, (struct sockaddr *)&ss, &sslen) == 0, "getsockname");
    printf("a 108-byte name reads back %d bytes long\n", (int)sslen);
    char name[109];
    memset(name, 'x', 108);
    name[108] = 0;
    CHECK(unlink(name) == 0 && chdir(cwd) == 0, "unlink, chdir back");
    close(x);
    CHECK(bind(s, (struct sockaddr *)&a, alen) == 0, "bind");
    EXPECT_ERRNO("bind again to its own name, which exists", EADDRINUSE, bind(s, (struct sockaddr *)&a, alen));
    struct sockaddr_un c;
    socklen_t clen = unix_addr(&c, unix_path("addr2"));
    EXPECT_ERRNO("bind a bound socket to a new name", EINVAL, bind(s, (struct sockaddr *)&c, clen));
    CHECK(access(unix_path("addr2"), F_OK) != 0, "the new name's file was removed again");
    int t = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("bind another to a taken name", EADDRINUSE, bind(t, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("open a socket file", ENXIO, open(unix_path("addr"), O_RDWR));
    int o = open(unix_path("addr"), O_PATH);
    CHECK(o >= 0, "O_PATH opens it");
    close(o);
    OK("bind errors");
    EXPECT_ERRNO("connect length 0", EINVAL, connect(t, (struct sockaddr *)&a, 0));
    EXPECT_ERRNO("connect length 2", EINVAL, connect(t, (struct sockaddr *)&a, 2));
    EXPECT_ERRNO("connect from unreadable memory", EFAULT, connect(t, (struct sockaddr *)8, alen));
    EXPECT_ERRNO("connect to a bound, not listening socket", ECONNREFUSED, connect(t, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("connect to a directory", ECONNREFUSED, connect(t, (struct sockaddr *)&b, unix_addr(&b, unix_dir)));
    EXPECT_ERRNO("connect to a missing file", ENOENT, connect(t, (struct sockaddr *)&b, unix_addr(&b, unix_path("none"))));
    CHECK(mknod(unix_path("made"), S_IFSOCK | 0666, 0) == 0, "mknod a socket file");
    EXPECT_ERRNO("connect to a socket file no socket is bound to", ECONNREFUSED, connect(t, (struct sockaddr *)&b, unix_addr(&b, unix_path("made"))));
    CHECK(symlink(unix_path("addr"), unix_path("link")) == 0, "symlink");
    CHECK(listen(s, 1) == 0, "listen");
    CHECK(connect(t, (struct sockaddr *)&b, unix_addr(&b, unix_path("link"))) == 0, "connect through a symbolic link");
    EXPECT_ERRNO("connect again", EISCONN, connect(t, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("connect a listener", EINVAL, connect(s, (struct sockaddr *)&a, alen));
    OK("connect errors");
    int n = socket(AF_UNIX, SOCK_STREAM, 0);
    EXPECT_ERRNO("listen unbound", EINVAL, listen(n, 1));
    EXPECT_ERRNO("accept on a socket not listening", EINVAL, accept(n, NULL, NULL));
    EXPECT_ERRNO("listen on a connected socket", EINVAL, listen(t, 1));
    CHECK(listen(s, -1) == 0 && listen(s, 1 << 30) == 0 && listen(s, 5) == 0, "listen takes any backlog, and again");
    char buf[8];
    EXPECT_ERRNO("send unconnected", ENOTCONN, send(n, "x", 1, 0));
    EXPECT_ERRNO("write unconnected", ENOTCONN, write(n, "x", 1));
    EXPECT_ERRNO("recv unconnected", EINVAL, recv(n, buf, 1, 0));
    EXPECT_ERRNO("sendto with an address, unconnected", EOPNOTSUPP, sendto(n, "x", 1, 0, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("sendto with an address, connected", EISCONN, sendto(t, "x", 1, 0, (struct sockaddr *)&a, alen));
    EXPECT_ERRNO("send MSG_OOB", EOPNOTSUPP, send(t, "", 0, MSG_OOB));
    EXPECT_ERRNO("recv on a listener", EINVAL, recv(s, buf, 1, 0));
    socklen_t len = sizeof a;
    EXPECT_ERRNO("getpeername unconnected", ENOTCONN, getpeername(n, (struct sockaddr *)&a, &len));
    len = -1;
    EXPECT_ERRNO("getsockname with a negative length", EINVAL, getsockname(n, (struct sockaddr *)&a, &len));
    len = sizeof a;
    EXPECT_ERRNO("getsockname into unwritable memory", EFAULT, getsockname(n, (struct sockaddr *)8, &len));
    EXPECT_ERRNO("getsockname with an unreadable length", EFAULT, getsockname(n, (struct sockaddr *)&a, (socklen_t *)8));
    int v = 1;
    EXPECT_ERRNO("SIOCINQ on a listener", EINVAL, ioctl(s, SIOCINQ, &v));
    EXPECT_ERRNO("an unknown ioctl", ENOTTY, ioctl(n, 0x1234, &v));
    EXPECT_ERRNO("shutdown how=-1", EINVAL, shutdown(n, -1));
    OK("calls in the wrong state");
    close(n);
    close(t);
    close(s);
    unlink(unix_path("addr"));
    unlink(unix_path("made"));
    unlink(unix_path("link"));
    unlink(unix_path("plainfile"));
}

static void options(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int v = 1;
    socklen_t l = sizeof v;
    EXPECT_ERRNO("setsockopt length 2", EINVAL, setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2));
    EXPECT_ERRNO("setsockopt length -1", EINVAL, setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, -1));
    EXPECT_ERRNO("setsockopt SO_TYPE", ENOPROTOOPT, setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof v));
    EXPECT_ERRNO("setsockopt SO_PEERCRED", ENOPROTOOPT, setsockopt(s, SOL_SOCKET, SO_PEERCRED, &v, sizeof v));
    EXPECT_ERRNO("setsockopt option 9999", ENOPROTOOPT, setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v));
    EXPECT_ERRNO("getsockopt option 9999", ENOPROTOOPT, getsockopt(s, SOL_SOCKET, 9999, &v, &l));
    EXPECT_ERRNO("setsockopt at level SOL_TCP", EOPNOTSUPP, setsockopt(s, 6, 1, &v, sizeof v));
    EXPECT_ERRNO("getsockopt at level SOL_TCP", EOPNOTSUPP, getsockopt(s, 6, 1, &v, &l));
    l = -1;
    EXPECT_ERRNO("getsockopt with a negative length", EINVAL, getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    l = sizeof v;
    EXPECT_ERRNO("getsockopt into unwritable memory", EFAULT, getsockopt(s, SOL_SOCKET, SO_TYPE, (void *)8, &l));
    EXPECT_ERRNO("setsockopt from unreadable memory", EFAULT, setsockopt(s, SOL_SOCKET, SO_REUSEADDR, (void *)8, sizeof v));
    struct timeval tv = {1, 0};
    EXPECT_ERRNO("SO_RCVTIMEO with a short value", EINVAL, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8));
    tv.tv_usec = -1;
    EXPECT_ERRNO("SO_RCVTIMEO with negative usec", EDOM, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct linger lg = {1, 1};
    EXPECT_ERRNO("SO_LINGER with a short value", EINVAL, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4));
    OK("option errors");
    close(s);
}

/* sendmsg and recvmsg made directly: musl's wrappers copy the msghdr
 * and the control data first (and refuse more than 1024 bytes of it). */
static long raw_sendmsg(int s, const struct msghdr *m, int flags)
{
    return syscall(SYS_sendmsg, s, m, flags);
}

static long raw_recvmsg(int s, struct msghdr *m, int flags)
{
    return syscall(SYS_recvmsg, s, m, flags);
}

static void messages(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    char buf[16] = "x";
    struct iovec iov = {buf, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    m.msg_iovlen = 1025;
    EXPECT_ERRNO("sendmsg with 1025 iovecs", EMSGSIZE, raw_sendmsg(sv[0], &m, 0));
    EXPECT_ERRNO("recvmsg with 1025 iovecs", EMSGSIZE, raw_recvmsg(sv[1], &m, MSG_DONTWAIT));
    m.msg_iovlen = 1;
    m.msg_iov = (struct iovec *)8;
    EXPECT_ERRNO("sendmsg with unreadable iovecs", EFAULT, raw_sendmsg(sv[0], &m, 0));
    m.msg_iov = &iov;
    iov.iov_base = (void *)8;
    EXPECT_ERRNO("sendmsg from unreadable memory", EFAULT, raw_sendmsg(sv[0], &m, 0));
    iov.iov_base = buf;
    EXPECT_ERRNO("sendmsg from an unreadable msghdr", EFAULT, raw_sendmsg(sv[0], (struct msghdr *)8, 0));
    char cb[64];
    memset(cb, 0, sizeof cb);
    m.msg_control = cb;
    m.msg_controllen = 1 << 30;
    EXPECT_ERRNO("a huge control length", ENOBUFS, raw_sendmsg(sv[0], &m, 0));
    struct cmsghdr *c = (struct cmsghdr *)cb;
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int)) + 100;
    m.msg_controllen = CMSG_SPACE(sizeof(int));
    EXPECT_ERRNO("a control message longer than the buffer", EINVAL, raw_sendmsg(sv[0], &m, 0));
    c->cmsg_len = 8;
    EXPECT_ERRNO("a control message shorter than its header", EINVAL, raw_sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int bad = -1;
    memcpy(CMSG_DATA(c), &bad, sizeof bad);
    EXPECT_ERRNO("SCM_RIGHTS of fd -1", EBADF, raw_sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(3);
    CHECK(raw_sendmsg(sv[0], &m, 0) == 1, "SCM_RIGHTS of 3 bytes carries no descriptor");
    int got[2];
    int mflags;
    CHECK(recv_fds(sv[1], got, 2, 2, 0, NULL, &mflags) == 0, "none came");
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_type = 99;
    EXPECT_ERRNO("an unknown SOL_SOCKET control message", EINVAL, raw_sendmsg(sv[0], &m, 0));
    c->cmsg_type = SCM_CREDENTIALS;
    EXPECT_ERRNO("SCM_CREDENTIALS of the wrong size", EINVAL, raw_sendmsg(sv[0], &m, 0));
    c->cmsg_level = 6;
    c->cmsg_type = 1;
    CHECK(raw_sendmsg(sv[0], &m, 0) == 1, "a control message at another level is ignored");
    CHECK(recv(sv[1], buf, sizeof buf, 0) == 1, "drain");
    m.msg_control = (void *)8;
    m.msg_controllen = 32;
    EXPECT_ERRNO("an unreadable control buffer", EFAULT, raw_sendmsg(sv[0], &m, 0));
    OK("message errors");
    CHECK(send(sv[0], "y", 1, 0) == 1, "send");
    EXPECT_ERRNO("recv into unwritable memory", EFAULT, recv(sv[1], (void *)8, 1, 0));
    close(sv[0]);
    close(sv[1]);
}

static void permissions(void)
{
    /* Unprivileged: connecting needs write permission on the socket file,
     * binding needs it on the directory. */
    const char *path = unix_path("private");
    int l = unix_server(SOCK_STREAM, path, 1);
    CHECK(chmod(path, 0700) == 0, "chmod");
    CHECK(chmod(unix_dir, 0755) == 0, "chmod dir");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a;
        socklen_t alen = unix_addr(&a, path);
        if (connect(c, (struct sockaddr *)&a, alen) != -1 || errno != EACCES)
            _exit(3);
        alen = unix_addr(&a, unix_path("mine"));
        if (bind(c, (struct sockaddr *)&a, alen) != -1 || errno != EACCES)
            _exit(4);
        _exit(0);
    }
    watchdog_step("the unprivileged child");
    reap_ok(pid, "unprivileged child");
    CHECK(chmod(path, 0777) == 0, "chmod");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        struct sockaddr_un a;
        socklen_t alen = unix_addr(&a, path);
        _exit(connect(c, (struct sockaddr *)&a, alen) == 0 ? 0 : 3);
    }
    reap_ok(pid, "unprivileged child");
    CHECK(chmod(unix_dir, 0700) == 0, "chmod dir");
    OK("connect needs write permission on the socket file; bind on the directory");
    close(l);
    unlink(path);
}

static void limits(void)
{
    struct rlimit old, r;
    CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0, "getrlimit");
    /* Room for three new descriptors: the lowest free and the two after. */
    int low = dup(0);
    CHECK(low >= 0, "dup");
    close(low);
    r.rlim_cur = low + 3;
    r.rlim_max = old.rlim_max;
    CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "setrlimit");
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair within the limit");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(s >= 0, "one more");
    EXPECT_ERRNO("a socket past RLIMIT_NOFILE", EMFILE, socket(AF_UNIX, SOCK_STREAM, 0));
    int sv2[2];
    EXPECT_ERRNO("a socketpair past RLIMIT_NOFILE", EMFILE, socketpair(AF_UNIX, SOCK_STREAM, 0, sv2));
    /* accept fails before taking the connection, which stays queued. */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0 && listen(s, 1) == 0, "listener");
    socklen_t alen = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &alen) == 0, "name");
    close(sv[1]);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, alen) == 0, "connect");
    EXPECT_ERRNO("accept past RLIMIT_NOFILE", EMFILE, accept(s, NULL, NULL));
    close(sv[0]);
    int t = accept(s, NULL, NULL);
    CHECK(t >= 0, "the connection was still there");
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0, "setrlimit back");
    OK("sockets count against RLIMIT_NOFILE");
    close(t);
    close(c);
    close(s);
}

static void dying_peer(void)
{
    /* A writer killed mid-transfer: the reader gets what was sent, then EOF. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        close(sv[0]);
        static char chunk[65536];
        for (;;)
            if (write(sv[1], chunk, sizeof chunk) < 0)
                _exit(2);
    }
    close(sv[1]);
    static char buf[65536];
    long got = 0;
    while (got < (1 << 20)) {
        ssize_t n = read(sv[0], buf, sizeof buf);
        CHECK(n > 0, "read");
        got += n;
    }
    CHECK(kill(pid, SIGKILL) == 0, "kill");
    watchdog_step("EOF after the writer died");
    ssize_t n;
    while ((n = read(sv[0], buf, sizeof buf)) > 0) {
    }
    CHECK(n == 0, "EOF");
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "killed");
    OK("a writer killed mid-transfer: the reader reaches EOF");
    close(sv[0]);
    /* A reader killed while a writer is blocked: the writer gets EPIPE. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        close(sv[0]);
        pause();
        _exit(0);
    }
    close(sv[1]);
    signal(SIGPIPE, SIG_IGN);
    pid_t killer = fork();
    CHECK(killer >= 0, "fork");
    if (killer == 0) {
        watchdog_child(20);
        sleep_ms(200);
        kill(pid, SIGKILL);
        _exit(0);
    }
    watchdog_step("EPIPE after the reader died");
    ssize_t w;
    while ((w = write(sv[0], buf, sizeof buf)) > 0) {
    }
    CHECK(w < 0 && errno == EPIPE, "EPIPE once the reader died");
    reap_ok(killer, "killer");
    CHECK(waitpid(pid, &st, 0) == pid, "reaped");
    OK("a reader killed while the writer is blocked: EPIPE");
    close(sv[0]);
}

int main(void)
{
    watchdog_start(60);
    umask(022);
    unix_dir_make();
    creation();
    addresses();
    options();
    messages();
    permissions();
    limits();
    dying_peer();
    unix_dir_remove();
    return 0;
}
