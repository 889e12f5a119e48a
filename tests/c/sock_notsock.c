/* The socket calls that take a descriptor, on descriptors that are not
 * sockets (a pipe, a regular file, /dev/null): ENOTSOCK; on a descriptor
 * that is not open: EBADF. (Programs probe their descriptors so: bash
 * asks getpeername whether stdin is a network connection.) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"

static void calls(const char *what, int fd, int err)
{
    char name[64], buf[16] = "x";
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(9);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    struct mmsghdr mm = {.msg_hdr = mh};
    int one = 1;

#define TRY(call_name, expr)                                      \
    do {                                                          \
        snprintf(name, sizeof name, "%s on %s", call_name, what); \
        len = sizeof ss;                                          \
        EXPECT_ERRNO(name, err, expr);                            \
    } while (0)

    TRY("getpeername", getpeername(fd, (struct sockaddr *)&ss, &len));
    TRY("getsockname", getsockname(fd, (struct sockaddr *)&ss, &len));
    TRY("connect", connect(fd, (struct sockaddr *)&sin, sizeof sin));
    TRY("bind", bind(fd, (struct sockaddr *)&sin, sizeof sin));
    TRY("listen", listen(fd, 1));
    TRY("accept", accept(fd, NULL, NULL));
    TRY("accept4", accept4(fd, NULL, NULL, SOCK_CLOEXEC));
    TRY("sendto", sendto(fd, buf, 1, 0, (struct sockaddr *)&sin, sizeof sin));
    TRY("send", send(fd, buf, 1, 0));
    TRY("recvfrom", recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL));
    TRY("sendmsg", sendmsg(fd, &mh, 0));
    TRY("recvmsg", recvmsg(fd, &mh, MSG_DONTWAIT));
    TRY("sendmmsg", sendmmsg(fd, &mm, 1, 0));
    TRY("recvmmsg", recvmmsg(fd, &mm, 1, MSG_DONTWAIT, NULL));
    TRY("shutdown", shutdown(fd, SHUT_RDWR));
    TRY("setsockopt", setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    len = sizeof one;
    TRY("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &one, &len));
}

int main(void)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    calls("a pipe", p[0], ENOTSOCK);
    int f = open("/proc/self/exe", O_RDONLY);
    CHECK(f >= 0, "open");
    calls("a regular file", f, ENOTSOCK);
    int n = open("/dev/null", O_RDWR);
    CHECK(n >= 0, "open /dev/null");
    calls("/dev/null", n, ENOTSOCK);
    close(n);
    calls("a closed descriptor", n, EBADF);
    calls("descriptor -1", -1, EBADF);
    /* The pipe still works after all that. */
    CHECK(write(p[1], "ok", 2) == 2, "write");
    char b[2];
    CHECK(read(p[0], b, 2) == 2 && memcmp(b, "ok", 2) == 0, "read");
    OK("the pipe still works");
    return 0;
}
