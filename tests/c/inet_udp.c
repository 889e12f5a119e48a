/* UDP over IPv4 and IPv6 loopback: sendto and recvfrom with the sender's
 * address, MSG_TRUNC (the datagram's whole length, and the flag in
 * msg_flags), MSG_PEEK, empty datagrams, connect (the peer's address,
 * datagrams from others filtered, ECONNREFUSED from a closed port),
 * sendmmsg and recvmmsg, FIONREAD, SO_RCVTIMEO, the options programs use,
 * and the errors of bad addresses. Ports are read back, never printed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "check.h"
#include "inet.h"
#include "watchdog.h"

/* A UDP socket bound to loopback port 0; its address in `out`. */
static int bound(int family, addr_t *out)
{
    int s = socket(family, SOCK_DGRAM, 0);
    CHECK(s >= 0, "socket");
    *out = loopback(family);
    CHECK(bind(s, &out->sa, addr_len(family)) == 0, "bind");
    socklen_t len = sizeof *out;
    CHECK(getsockname(s, &out->sa, &len) == 0 && len == addr_len(family), "getsockname");
    return s;
}

static int same(const addr_t *a, const addr_t *b)
{
    return memcmp(a, b, addr_len(a->sa.sa_family)) == 0;
}

static int intval(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK(getsockopt(fd, level, name, &v, &len) == 0, "getsockopt %d/%d", level, name);
    return v;
}

static void exchange(int family, const char *name)
{
    watchdog_step(name);
    addr_t aa, ba, from;
    int a = bound(family, &aa), b = bound(family, &ba);
    CHECK(intval(a, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM && intval(a, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP, "SO_TYPE, SO_PROTOCOL");
    char buf[64];
    CHECK(sendto(b, "datagram", 8, 0, &aa.sa, addr_len(family)) == 8, "sendto");
    socklen_t len = sizeof from;
    CHECK(recvfrom(a, buf, sizeof buf, 0, &from.sa, &len) == 8 && memcmp(buf, "datagram", 8) == 0, "recvfrom");
    CHECK(len == addr_len(family) && same(&from, &ba), "the sender's address");
    OK("%s: sendto, recvfrom with the sender's address", name);

    /* MSG_TRUNC: recv reports the whole length; recvmsg flags the cut. */
    CHECK(sendto(b, "0123456789", 10, 0, &aa.sa, addr_len(family)) == 10, "sendto");
    CHECK(sendto(b, "abcdefghij", 10, 0, &aa.sa, addr_len(family)) == 10, "sendto");
    int n = -1;
    CHECK(ioctl(a, FIONREAD, &n) == 0 && n == 10, "FIONREAD is the next datagram's length: %d", n);
    CHECK(recv(a, buf, 4, MSG_PEEK) == 4 && memcmp(buf, "0123", 4) == 0, "MSG_PEEK");
    CHECK(recv(a, buf, 4, MSG_TRUNC) == 10 && memcmp(buf, "0123", 4) == 0, "MSG_TRUNC reports the whole length");
    struct iovec iov = {buf, 4};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    CHECK(recvmsg(a, &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC) && memcmp(buf, "abcd", 4) == 0, "recvmsg: MSG_TRUNC in msg_flags");
    CHECK(mh.msg_namelen == addr_len(family) && same(&from, &ba), "recvmsg's address");
    OK("%s: MSG_PEEK, MSG_TRUNC, FIONREAD", name);

    /* An empty datagram is a datagram. */
    CHECK(sendto(b, "", 0, 0, &aa.sa, addr_len(family)) == 0, "an empty datagram");
    CHECK(recv(a, buf, sizeof buf, 0) == 0, "received empty");
    EXPECT_ERRNO("nothing more", EAGAIN, recv(a, buf, sizeof buf, MSG_DONTWAIT));
    OK("%s: an empty datagram", name);

    /* connect: a default destination, and only its datagrams. */
    CHECK(connect(a, &ba.sa, addr_len(family)) == 0, "connect");
    len = sizeof from;
    CHECK(getpeername(a, &from.sa, &len) == 0 && same(&from, &ba), "getpeername");
    addr_t ca;
    int c = bound(family, &ca);
    CHECK(sendto(c, "stranger", 8, 0, &aa.sa, addr_len(family)) == 8, "sendto from another");
    EXPECT_ERRNO("send on an unconnected socket", EDESTADDRREQ, send(b, "friend", 6, 0));
    CHECK(sendto(b, "friend", 6, 0, &aa.sa, addr_len(family)) == 6, "sendto from the peer");
    CHECK(recv(a, buf, sizeof buf, 0) == 6 && memcmp(buf, "friend", 6) == 0, "only the peer's datagram");
    CHECK(send(a, "reply", 5, 0) == 5, "send to the peer");
    CHECK(recv(b, buf, sizeof buf, 0) == 5 && memcmp(buf, "reply", 5) == 0, "the reply");
    OK("%s: connect filters senders and names the destination", name);
    close(c);

    /* A connected socket hears that the port is closed. */
    close(b);
    CHECK(send(a, "anyone?", 7, 0) == 7, "send to a closed port");
    struct pollfd p = {a, POLLIN, 0};
    CHECK(poll(&p, 1, 5000) == 1 && (p.revents & POLLERR), "POLLERR: %#x", p.revents);
    EXPECT_ERRNO("the next receive", ECONNREFUSED, recv(a, buf, sizeof buf, 0));
    close(a);
}

static void many(void)
{
    watchdog_step("sendmmsg and recvmmsg");
    addr_t aa, ba;
    int a = bound(AF_INET, &aa), b = bound(AF_INET, &ba);
    CHECK(connect(b, &aa.sa, sizeof aa.in) == 0, "connect");
    struct mmsghdr m[3];
    struct iovec iov[3];
    char bufs[3][16];
    const char *words[3] = {"one", "two", "three"};
    memset(m, 0, sizeof m);
    for (int i = 0; i < 3; i++) {
        iov[i].iov_base = (void *)words[i];
        iov[i].iov_len = strlen(words[i]);
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(sendmmsg(b, m, 3, 0) == 3 && m[2].msg_len == 5, "sendmmsg");
    memset(m, 0, sizeof m);
    for (int i = 0; i < 3; i++) {
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = sizeof bufs[i];
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(recvmmsg(a, m, 3, MSG_WAITFORONE, NULL) == 3, "recvmmsg");
    for (int i = 0; i < 3; i++)
        CHECK(m[i].msg_len == strlen(words[i]) && memcmp(bufs[i], words[i], m[i].msg_len) == 0, "datagram %d", i);
    OK("sendmmsg and recvmmsg");

    /* SO_RCVTIMEO ends a blocking receive with EAGAIN. */
    struct timeval tv = {0, 100000};
    CHECK(setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0, "SO_RCVTIMEO");
    long t0 = now_ms();
    char c;
    EXPECT_ERRNO("recv past SO_RCVTIMEO", EAGAIN, recv(a, &c, 1, 0));
    CHECK(now_ms() - t0 >= 50, "it waited");
    close(a);
    close(b);
}

static void options(void)
{
    watchdog_step("options");
    addr_t aa;
    int a = bound(AF_INET, &aa);
    CHECK(intval(a, SOL_SOCKET, SO_BROADCAST) == 0, "SO_BROADCAST is off");
    int one = 1, v = 0;
    CHECK(setsockopt(a, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) == 0 && intval(a, SOL_SOCKET, SO_BROADCAST) == 1, "SO_BROADCAST");
    v = 17;
    CHECK(setsockopt(a, IPPROTO_IP, IP_TTL, &v, sizeof v) == 0 && intval(a, IPPROTO_IP, IP_TTL) == 17, "IP_TTL");
    v = 0x10;
    CHECK(setsockopt(a, IPPROTO_IP, IP_TOS, &v, sizeof v) == 0 && intval(a, IPPROTO_IP, IP_TOS) == 0x10, "IP_TOS");
    v = 3;
    CHECK(setsockopt(a, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof v) == 0 && intval(a, IPPROTO_IP, IP_MULTICAST_TTL) == 3, "IP_MULTICAST_TTL");
    v = 0;
    CHECK(setsockopt(a, IPPROTO_IP, IP_MULTICAST_LOOP, &v, sizeof v) == 0 && intval(a, IPPROTO_IP, IP_MULTICAST_LOOP) == 0, "IP_MULTICAST_LOOP");
    struct in_addr lo = {htonl(INADDR_LOOPBACK)};
    CHECK(setsockopt(a, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo) == 0, "IP_MULTICAST_IF");
    struct ip_mreq mr = {{htonl(0xe0000001 + 0x100)}, {htonl(INADDR_LOOPBACK)}};
    errno = 0;
    int r = setsockopt(a, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr);
    OK("IP_ADD_MEMBERSHIP on lo: %s", r == 0 ? "0" : errname(errno));
    if (r == 0)
        CHECK(setsockopt(a, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr, sizeof mr) == 0, "IP_DROP_MEMBERSHIP");
    EXPECT_ERRNO("IP_ADD_MEMBERSHIP with a short value", EINVAL, setsockopt(a, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, 4));
    CHECK(setsockopt(a, IPPROTO_IP, IP_RECVERR, &one, sizeof one) == 0, "IP_RECVERR");
    int six = socket(AF_INET6, SOCK_DGRAM, 0);
    v = 5;
    CHECK(setsockopt(six, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &v, sizeof v) == 0 && intval(six, IPPROTO_IPV6, IPV6_MULTICAST_HOPS) == 5, "IPV6_MULTICAST_HOPS");
    CHECK(setsockopt(six, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &one, sizeof one) == 0, "IPV6_MULTICAST_LOOP");
    CHECK(setsockopt(six, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 && intval(six, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "IPV6_V6ONLY");
    OK("SO_BROADCAST, IP_TTL, IP_TOS, IP_MULTICAST_*, IP_RECVERR, IPV6_MULTICAST_*, IPV6_V6ONLY");
    close(six);
    close(a);
}

static void bad_input(void)
{
    watchdog_step("bad input");
    addr_t aa;
    int a = bound(AF_INET, &aa);
    char buf[8] = "x";
    EXPECT_ERRNO("sendto with a short address", EINVAL, sendto(a, buf, 1, 0, &aa.sa, 4));
    EXPECT_ERRNO("sendto with a zero-length address", EINVAL, sendto(a, buf, 1, 0, &aa.sa, 0));
    addr_t six;
    memset(&six, 0, sizeof six);
    six.in6.sin6_family = AF_INET6;
    EXPECT_ERRNO("sendto an IPv6 address", EAFNOSUPPORT, sendto(a, buf, 1, 0, &six.sa, sizeof six.in6));
    EXPECT_ERRNO("send without a destination", EDESTADDRREQ, send(a, buf, 1, 0));
    EXPECT_ERRNO("MSG_OOB", EOPNOTSUPP, sendto(a, buf, 1, MSG_OOB, &aa.sa, sizeof aa.in));
    EXPECT_ERRNO("recv into an unwritable buffer", EFAULT, (sendto(a, buf, 1, 0, &aa.sa, sizeof aa.in), recv(a, (void *)8, 1, 0)));
    EXPECT_ERRNO("listen", EOPNOTSUPP, listen(a, 1));
    EXPECT_ERRNO("accept", EOPNOTSUPP, accept(a, NULL, NULL));
    EXPECT_ERRNO("ICMP datagram sockets", EACCES, socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
    OK("bad input gets Linux's errors");
    close(a);
}

/* Receives one datagram on `r` with room for `room` bytes of control
 * messages; returns the first control message of (level, type), or NULL,
 * and the message flags in `*flags`. */
static struct cmsghdr *recv_with_control(int r, char *control, size_t room, int level, int type, int *flags)
{
    char data[16];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = room;
    CHECK(recvmsg(r, &m, 0) == 3, "recvmsg");
    *flags = m.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == level && c->cmsg_type == type)
            return c;
    return NULL;
}

/* Control messages on IP sockets: IP_RECVTTL and IP_PKTINFO on receive,
 * an IPv6 hop limit given to sendmsg and seen by the receiver, and a
 * buffer too small for them (MSG_CTRUNC). */
static void ancillary(void)
{
    addr_t ra, sa;
    int r = bound(AF_INET, &ra), s = bound(AF_INET, &sa);
    int on = 1;
    CHECK(setsockopt(r, IPPROTO_IP, IP_RECVTTL, &on, sizeof on) == 0, "IP_RECVTTL");
    CHECK(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0, "IP_PKTINFO");
    CHECK(sendto(s, "abc", 3, 0, &ra.sa, addr_len(AF_INET)) == 3, "sendto");
    char control[256];
    int flags;
    struct cmsghdr *c = recv_with_control(r, control, sizeof control, IPPROTO_IP, IP_TTL, &flags);
    CHECK(c != NULL && c->cmsg_len == CMSG_LEN(sizeof(int)), "an IP_TTL message");
    int ttl;
    memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
    printf("IPv4: IP_TTL %d, flags %#x\n", ttl, flags);
    CHECK(sendto(s, "abc", 3, 0, &ra.sa, addr_len(AF_INET)) == 3, "sendto");
    c = recv_with_control(r, control, sizeof control, IPPROTO_IP, IP_PKTINFO, &flags);
    CHECK(c != NULL, "an IP_PKTINFO message");
    struct in_pktinfo pi;
    memcpy(&pi, CMSG_DATA(c), sizeof pi);
    printf("IPv4: IP_PKTINFO to %s\n", inet_ntoa(pi.ipi_addr));
    /* Room for the header alone: cut, and MSG_CTRUNC. */
    CHECK(sendto(s, "abc", 3, 0, &ra.sa, addr_len(AF_INET)) == 3, "sendto");
    recv_with_control(r, control, sizeof(struct cmsghdr), IPPROTO_IP, IP_TTL, &flags);
    printf("IPv4: a short control buffer: MSG_CTRUNC %s\n", flags & MSG_CTRUNC ? "set" : "clear");
    close(r);
    close(s);

    r = bound(AF_INET6, &ra);
    s = bound(AF_INET6, &sa);
    CHECK(setsockopt(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on) == 0, "IPV6_RECVHOPLIMIT");
    char out[CMSG_SPACE(sizeof(int))] = {0};
    struct cmsghdr *oc = (struct cmsghdr *)out;
    oc->cmsg_level = IPPROTO_IPV6;
    oc->cmsg_type = IPV6_HOPLIMIT;
    oc->cmsg_len = CMSG_LEN(sizeof(int));
    int hops = 7;
    memcpy(CMSG_DATA(oc), &hops, sizeof hops);
    struct iovec iov = {"abc", 3};
    struct msghdr m = {0};
    m.msg_name = &ra;
    m.msg_namelen = addr_len(AF_INET6);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = out;
    m.msg_controllen = sizeof out;
    CHECK(sendmsg(s, &m, 0) == 3, "sendmsg with IPV6_HOPLIMIT");
    c = recv_with_control(r, control, sizeof control, IPPROTO_IPV6, IPV6_HOPLIMIT, &flags);
    CHECK(c != NULL, "an IPV6_HOPLIMIT message");
    memcpy(&hops, CMSG_DATA(c), sizeof hops);
    printf("IPv6: the hop limit sent is the one received: %d\n", hops);
    hops = 1000;
    memcpy(CMSG_DATA(oc), &hops, sizeof hops);
    EXPECT_ERRNO("sendmsg with a hop limit out of range", EINVAL, sendmsg(s, &m, 0));
    close(r);
    close(s);
}

/* UDP-Lite sockets, with their checksum coverage options. */
static void udplite(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
    CHECK(s >= 0, "a UDP-Lite socket");
    int cov = 20;
    CHECK(setsockopt(s, IPPROTO_UDPLITE, 10 /* UDPLITE_SEND_CSCOV */, &cov, sizeof cov) == 0, "UDPLITE_SEND_CSCOV");
    printf("UDP-Lite: protocol %d, send coverage %d\n", intval(s, SOL_SOCKET, SO_PROTOCOL), intval(s, IPPROTO_UDPLITE, 10));
    close(s);
}

/* The interface requests every socket answers, a Unix one included
 * (musl's and glibc's if_nametoindex ask them of one). */
static void interfaces_from_any_socket(void)
{
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(u >= 0, "a Unix socket");
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(u, SIOCGIFINDEX, &ifr) == 0, "SIOCGIFINDEX on a Unix socket");
    printf("lo: index %d from a Unix socket, if_nametoindex %u, if_indextoname %s\n", ifr.ifr_ifindex, if_nametoindex("lo"),
           if_indextoname(ifr.ifr_ifindex, ifr.ifr_name) ? ifr.ifr_name : "(none)");
    close(u);
}

int main(void)
{
    watchdog_start(30);
    exchange(AF_INET, "IPv4");
    exchange(AF_INET6, "IPv6");
    many();
    options();
    bad_input();
    ancillary();
    udplite();
    interfaces_from_any_socket();
    return 0;
}
