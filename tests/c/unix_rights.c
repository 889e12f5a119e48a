/* SCM_RIGHTS: passing a regular file, a pipe, a socket, an eventfd and an
 * epoll; MSG_CMSG_CLOEXEC; MSG_CTRUNC with too little room (the rest
 * closed); peeking; files in flight released when the receiver closes
 * unread, and a socket sent over itself collected once closed. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "unix.h"
#include "watchdog.h"

static void kinds(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    /* A regular file: the description (and its offset) is shared. */
    const char *fpath = unix_path("file");
    int f = open(fpath, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(f >= 0 && write(f, "0123456789", 10) == 10 && lseek(f, 2, SEEK_SET) == 2, "file");
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    int e = eventfd(7, 0);
    CHECK(e >= 0, "eventfd");
    int ep = epoll_create1(0);
    CHECK(ep >= 0, "epoll");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl");
    int inner[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, inner) == 0, "socketpair");
    int fds[5] = {f, p[1], inner[1], e, ep};
    CHECK(send_fds(sv[0], fds, 5, 'R') == 1, "send five files");
    /* The originals may go: the files are in flight. */
    close(p[1]);
    close(inner[1]);
    close(e);
    close(ep);
    int got[8];
    char byte;
    int mflags = 0;
    int n = recv_fds(sv[1], got, 8, 8, 0, &byte, &mflags);
    CHECK(n == 5 && byte == 'R' && !(mflags & MSG_CTRUNC), "five files came: %d", n);
    char buf[16];
    CHECK(read(got[0], buf, 3) == 3 && memcmp(buf, "234", 3) == 0, "the file at the sender's offset");
    CHECK(lseek(f, 0, SEEK_CUR) == 5, "the offset is shared");
    OK("a regular file");
    CHECK(write(got[1], "pipe", 4) == 4 && read(p[0], buf, 4) == 4, "a pipe's write end");
    OK("a pipe");
    CHECK(send(got[2], "dg", 2, 0) == 2 && recv(inner[0], buf, sizeof buf, 0) == 2, "a socket");
    struct stat st;
    CHECK(fstat(got[2], &st) == 0 && S_ISSOCK(st.st_mode), "fstat of a received socket");
    OK("a socket");
    uint64_t v;
    CHECK(read(got[3], &v, 8) == 8 && v == 7, "an eventfd's count");
    OK("an eventfd");
    CHECK(write(got[1], "x", 1) == 1, "make the pipe readable");
    struct epoll_event out;
    CHECK(epoll_wait(got[4], &out, 1, 1000) == 1 && out.data.u32 == 42, "an epoll watching the pipe");
    CHECK(read(p[0], buf, 1) == 1, "drain");
    OK("an epoll");
    CHECK(fcntl(got[0], F_GETFD) == 0, "no close-on-exec by default");
    for (int i = 0; i < n; i++)
        close(got[i]);
    close(f);
    close(p[0]);
    close(inner[0]);
    close(sv[0]);
    close(sv[1]);
    unlink(fpath);
}

static void flags(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = open("/dev/null", O_RDONLY);
    CHECK(send_fds(sv[0], fds, 1, 'a') == 1, "send one");
    int got[4];
    CHECK(recv_fds(sv[1], got, 4, 4, MSG_CMSG_CLOEXEC, NULL, NULL) == 1, "receive");
    CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
    close(got[0]);
    OK("MSG_CMSG_CLOEXEC");
    int before = open_fd_count();
    CHECK(send_fds(sv[0], fds, 3, 'b') == 1, "send three");
    int mflags = 0;
    int n = recv_fds(sv[1], got, 4, 1, 0, NULL, &mflags);
    /* CMSG_SPACE(sizeof(int)) has room for two: the last message's
     * padding counts. */
    CHECK(n == 2 && (mflags & MSG_CTRUNC), "room for two: %d, flags %#x", n, mflags);
    CHECK(open_fd_count() == before + 2, "the third was closed");
    close(got[0]);
    close(got[1]);
    OK("MSG_CTRUNC: what does not fit is closed");
    CHECK(send_fds(sv[0], fds, 2, 'c') == 1, "send two");
    n = recv_fds(sv[1], got, 4, 0, 0, NULL, &mflags);
    CHECK(n == 0 && (mflags & MSG_CTRUNC), "no control buffer: MSG_CTRUNC");
    CHECK(open_fd_count() == before, "none installed");
    OK("no room at all");
    /* Peeking duplicates the files; the real receive gets them again. */
    CHECK(send_fds(sv[0], fds, 1, 'd') == 1, "send one");
    CHECK(recv_fds(sv[1], got, 4, 4, MSG_PEEK, NULL, NULL) == 1, "peek");
    CHECK(recv_fds(sv[1], got + 1, 3, 4, 0, NULL, NULL) == 1, "receive");
    CHECK(got[0] != got[1], "two descriptors");
    close(got[0]);
    close(got[1]);
    OK("MSG_PEEK duplicates the files");
    /* Data alone: no control message. */
    CHECK(send(sv[0], "z", 1, 0) == 1, "send");
    mflags = -1;
    CHECK(recv_fds(sv[1], got, 4, 4, 0, NULL, &mflags) == 0 && mflags == 0, "no files, no flags");
    OK("no files, no control message");
    int bad = 9999;
    EXPECT_ERRNO("sending a descriptor that is not open", EBADF, send_fds(sv[0], &bad, 1, 'e'));
    int many[254];
    for (int i = 0; i < 254; i++)
        many[i] = fds[0];
    EXPECT_ERRNO("sending 254 descriptors", EINVAL, send_fds(sv[0], many, 254, 'f'));
    CHECK(send_fds(sv[0], many, 253, 'g') == 1, "253 go");
    n = recv_fds(sv[1], many, 253, 253, 0, NULL, NULL);
    CHECK(n == 253, "253 came");
    for (int i = 0; i < n; i++)
        close(many[i]);
    OK("SCM_MAX_FD");
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    close(sv[0]);
    close(sv[1]);
}

static void stream_boundaries(void)
{
    /* Data sent with files is not read together with data sent after. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    int fd = open("/dev/null", O_RDONLY);
    CHECK(write(sv[0], "ab", 2) == 2, "plain data");
    CHECK(send_fds(sv[0], &fd, 1, 'c') == 1, "data with a file");
    CHECK(write(sv[0], "de", 2) == 2, "plain data");
    char buf[16];
    struct iovec iov = {buf, sizeof buf};
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t r = recvmsg(sv[1], &m, 0);
    printf("a stream read over a message with a file: %zd bytes, %s\n", r, m.msg_controllen ? "with the file" : "no file");
    int got = -1;
    if (m.msg_controllen) {
        memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof got);
        close(got);
    }
    m.msg_controllen = sizeof cbuf;
    r = recvmsg(sv[1], &m, 0);
    printf("then: %zd bytes, %s\n", r, m.msg_controllen ? "with the file" : "no file");
    if (m.msg_controllen) {
        memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof got);
        close(got);
    }
    m.msg_controllen = sizeof cbuf;
    r = recvmsg(sv[1], &m, MSG_DONTWAIT);
    printf("then: %zd bytes\n", r);
    /* A zero-length stream send carries nothing, files included. */
    struct iovec none = {buf, 0};
    char sb[CMSG_SPACE(sizeof(int))];
    struct msghdr sm = {.msg_iov = &none, .msg_iovlen = 1, .msg_control = sb, .msg_controllen = sizeof sb};
    struct cmsghdr *c = CMSG_FIRSTHDR(&sm);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    CHECK(sendmsg(sv[0], &sm, 0) == 0, "an empty send with a file");
    EXPECT_ERRNO("nothing arrived", EAGAIN, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    OK("files split a stream's reads");
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

/* Whether the pipe's reader sees its end within `ms`. */
static int pipe_ends(int r, int ms)
{
    struct pollfd p = {r, POLLIN, 0};
    long until = now_ms() + ms;
    while (now_ms() < until) {
        if (poll(&p, 1, 50) == 1) {
            char b;
            return read(r, &b, 1) == 0;
        }
    }
    return 0;
}

static void released(void)
{
    /* Files queued at a socket closed unread are closed with it. */
    int sv[2], p[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(pipe(p) == 0, "pipe");
    CHECK(send_fds(sv[0], &p[1], 1, 'x') == 1, "send the write end");
    close(p[1]);
    CHECK(!pipe_ends(p[0], 50), "the write end lives in flight");
    close(sv[1]);
    CHECK(pipe_ends(p[0], 2000), "closed with the receiver");
    OK("files in flight are closed when the receiver closes unread");
    close(sv[0]);
    close(p[0]);
    /* A socket sent over itself, then closed: only its own queue holds
     * it. The next release of a Unix socket collects it (Linux's garbage
     * collector), and the pipe it holds is closed. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(pipe(p) == 0, "pipe");
    int two[2] = {sv[1], p[1]};
    CHECK(send_fds(sv[0], two, 2, 'y') == 1, "send the receiver to itself, with the pipe");
    close(p[1]);
    close(sv[1]);
    close(sv[0]);
    int other[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, other) == 0, "socketpair");
    close(other[0]);
    close(other[1]);
    CHECK(pipe_ends(p[0], 5000), "the cycle was collected");
    OK("a socket sent over itself is collected once closed");
    close(p[0]);
}

int main(void)
{
    watchdog_start(60);
    unix_dir_make();
    kinds();
    flags();
    stream_boundaries();
    released();
    unix_dir_remove();
    return 0;
}
