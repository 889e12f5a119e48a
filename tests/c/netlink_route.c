/* NETLINK_ROUTE: getifaddrs lists lo with 127.0.0.1 and ::1,
 * if_nameindex knows lo (and the interface requests on an IP socket
 * agree: SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFCONF, ...), a raw RTM_GETLINK and
 * RTM_GETADDR dump come back addressed to the socket's own port id, and
 * requests that would change the network (RTM_NEWADDR, RTM_NEWROUTE,
 * RTM_SETLINK, and SIOCSIFFLAGS) are refused with EPERM once
 * CAP_NET_ADMIN is dropped (natively, as root, they would not be: this
 * program drops it first thing, and stops if it cannot). Also port ids asked
 * for, malformed messages, and bad arguments. Interfaces other than lo,
 * addresses other than loopback ones, and port ids are never printed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

/* The kernel's netlink and capability ABI, declared here: musl ships no
 * <linux/...> headers. */
struct sockaddr_nl {
    unsigned short nl_family, nl_pad;
    uint32_t nl_pid, nl_groups;
};
struct nlmsghdr {
    uint32_t nlmsg_len;
    uint16_t nlmsg_type, nlmsg_flags;
    uint32_t nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
    int error;
    struct nlmsghdr msg;
};
struct rtgenmsg {
    unsigned char rtgen_family;
};
struct ifinfomsg {
    unsigned char ifi_family, ifi_pad;
    unsigned short ifi_type;
    int ifi_index;
    unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
    uint8_t ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
    uint32_t ifa_index;
};
struct rtmsg {
    unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos, rtm_table, rtm_protocol, rtm_scope, rtm_type;
    unsigned rtm_flags;
};
struct rtattr {
    unsigned short rta_len, rta_type;
};
struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#define NETLINK_ROUTE 0
#define NETLINK_CAP_ACK 10
#define NLM_F_REQUEST 0x1
#define NLM_F_ACK 0x4
#define NLM_F_DUMP 0x300
#define NLM_F_CAPPED 0x100
#define NLM_F_EXCL 0x200
#define NLM_F_CREATE 0x400
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_DELLINK 17
#define RTM_GETLINK 18
#define RTM_SETLINK 19
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define IFLA_IFNAME 3
#define IFA_LOCAL 2
#define RT_SCOPE_HOST 254
#define RT_SCOPE_LINK 253
#define RT_TABLE_MAIN 254
#define RTPROT_BOOT 3
#define RTN_UNICAST 1
#define CAP_NET_ADMIN 12
#define CAPABILITY_VERSION_3 0x20080522
#define NLMSG_ALIGN(len) (((len) + 3) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(len) ((len) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_NEXT(h, len) ((len) -= NLMSG_ALIGN((h)->nlmsg_len), (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define NLMSG_OK(h, len) ((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) && (h)->nlmsg_len <= (unsigned)(len))
#define RTA_ALIGN(len) (((len) + 3) & ~3u)
#define RTA_LENGTH(len) (RTA_ALIGN(sizeof(struct rtattr)) + (len))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_LENGTH(0)))
#define RTA_OK(a, len) ((len) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (unsigned)(len))
#define RTA_NEXT(a, len) ((len) -= RTA_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + RTA_ALIGN((a)->rta_len)))
#define IFLA_RTA(i) ((struct rtattr *)((char *)(i) + NLMSG_ALIGN(sizeof(struct ifinfomsg))))
#define IFLA_PAYLOAD(h) ((int)(h)->nlmsg_len - NLMSG_LENGTH((int)sizeof(struct ifinfomsg)))
#define IFA_RTA(i) ((struct rtattr *)((char *)(i) + NLMSG_ALIGN(sizeof(struct ifaddrmsg))))
#define IFA_PAYLOAD(h) ((int)(h)->nlmsg_len - NLMSG_LENGTH((int)sizeof(struct ifaddrmsg)))

/* The index of lo, asked of an IP socket. */
static int lo_index(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK(s >= 0 && ioctl(s, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex > 0, "SIOCGIFINDEX");
    close(s);
    return r.ifr_ifindex;
}

static void ifaddrs(void)
{
    watchdog_step("getifaddrs");
    struct ifaddrs *list;
    CHECK(getifaddrs(&list) == 0, "getifaddrs");
    int v4 = 0, v6 = 0, up = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr)
            continue;
        up |= (i->ifa_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK);
        if (i->ifa_addr->sa_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)i->ifa_addr;
            struct sockaddr_in *m = (struct sockaddr_in *)i->ifa_netmask;
            v4 |= a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && m && m->sin_addr.s_addr == htonl(0xff000000);
        }
        if (i->ifa_addr->sa_family == AF_INET6)
            v6 |= memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, &in6addr_loopback, 16) == 0;
    }
    freeifaddrs(list);
    CHECK(v4 && v6 && up, "lo: 127.0.0.1/8 %d, ::1 %d, up %d", v4, v6, up);
    OK("getifaddrs lists lo, up, with 127.0.0.1/8 and ::1");

    struct if_nameindex *ni = if_nameindex();
    CHECK(ni != NULL, "if_nameindex");
    unsigned lo = 0;
    for (struct if_nameindex *p = ni; p->if_index; p++)
        if (strcmp(p->if_name, "lo") == 0)
            lo = p->if_index;
    if_freenameindex(ni);
    CHECK(lo != 0 && (int)lo == lo_index(), "if_nameindex has lo");
    OK("if_nameindex knows lo");
}

/* The interface requests, on an IP socket. (musl's if_nametoindex and
 * if_indextoname ask them on a Unix socket.) */
static void requests(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0, "socket");
    struct ifreq r;
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = lo_index();
    CHECK(ioctl(s, SIOCGIFNAME, &r) == 0 && strcmp(r.ifr_name, "lo") == 0, "SIOCGIFNAME");
    CHECK(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK), "SIOCGIFFLAGS");
    CHECK(ioctl(s, SIOCGIFADDR, &r) == 0 && ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK), "SIOCGIFADDR");
    CHECK(ioctl(s, SIOCGIFNETMASK, &r) == 0 && ((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr == htonl(0xff000000), "SIOCGIFNETMASK");
    CHECK(ioctl(s, SIOCGIFMTU, &r) == 0 && r.ifr_mtu == 65536, "SIOCGIFMTU");
    strcpy(r.ifr_name, "no-such-if");
    EXPECT_ERRNO("SIOCGIFINDEX of an unknown interface", ENODEV, ioctl(s, SIOCGIFINDEX, &r));
    EXPECT_ERRNO("SIOCGIFFLAGS at an unreadable address", EFAULT, ioctl(s, SIOCGIFFLAGS, (void *)8));
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    r.ifr_flags = IFF_UP;
    EXPECT_ERRNO("SIOCSIFFLAGS", EPERM, ioctl(s, SIOCSIFFLAGS, &r));
    OK("SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFMTU of lo; SIOCSIFFLAGS EPERM");

    struct ifconf c = {0};
    CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len > 0 && c.ifc_len % (int)sizeof(struct ifreq) == 0, "SIOCGIFCONF: the length needed");
    int need = c.ifc_len;
    struct ifreq reqs[64];
    c.ifc_len = sizeof reqs;
    c.ifc_req = reqs;
    CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len == need, "SIOCGIFCONF");
    int found = 0;
    for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
        found |= strcmp(reqs[i].ifr_name, "lo") == 0 && ((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    CHECK(found, "SIOCGIFCONF lists lo");
    c.ifc_len = sizeof(struct ifreq) - 1;
    CHECK(ioctl(s, SIOCGIFCONF, &c) == 0 && c.ifc_len == 0, "SIOCGIFCONF with room for none");
    c.ifc_len = sizeof reqs;
    c.ifc_req = (struct ifreq *)8;
    EXPECT_ERRNO("SIOCGIFCONF into an unwritable buffer", EFAULT, ioctl(s, SIOCGIFCONF, &c));
    OK("SIOCGIFCONF lists lo with 127.0.0.1");
    close(s);
}

static int nl_open(unsigned pid)
{
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(s >= 0, "socket");
    struct sockaddr_nl a = {.nl_family = AF_NETLINK, .nl_pid = pid};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0, "bind");
    return s;
}

static unsigned port_of(int s)
{
    struct sockaddr_nl a;
    socklen_t len = sizeof a;
    CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0 && len == sizeof a && a.nl_family == AF_NETLINK, "getsockname");
    return a.nl_pid;
}

static char reply[1 << 16];

/* Sends a dump request of `type` for `family`; returns how many messages
 * came, and calls `seen` on each. Every one must carry the socket's port
 * id and the request's sequence number. */
static int dump(int s, int type, int family, unsigned seq, void (*seen)(struct nlmsghdr *))
{
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
    } req = {{NLMSG_LENGTH(sizeof(struct rtgenmsg)), type, NLM_F_REQUEST | NLM_F_DUMP, seq, 0}, {family}};
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    CHECK(sendto(s, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) == (ssize_t)req.h.nlmsg_len, "send");
    unsigned port = port_of(s);
    int count = 0;
    for (;;) {
        struct sockaddr_nl from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(s, reply, sizeof reply, 0, (struct sockaddr *)&from, &flen);
        CHECK(n > 0, "recv");
        CHECK(flen == sizeof from && from.nl_family == AF_NETLINK && from.nl_pid == 0, "from the kernel");
        for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            CHECK(h->nlmsg_pid == port && h->nlmsg_seq == seq, "addressed to the socket: type %d", h->nlmsg_type);
            if (h->nlmsg_type == NLMSG_DONE)
                return count;
            CHECK(h->nlmsg_type != NLMSG_ERROR, "an error: %d", ((struct nlmsgerr *)NLMSG_DATA(h))->error);
            count++;
            seen(h);
        }
    }
}

static int lo_seen, lo_addr_seen;

static void link_seen(struct nlmsghdr *h)
{
    CHECK(h->nlmsg_type == RTM_NEWLINK, "RTM_NEWLINK");
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    int len = IFLA_PAYLOAD(h);
    for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == IFLA_IFNAME && strcmp(RTA_DATA(a), "lo") == 0)
            lo_seen = ifi->ifi_index == lo_index() && (ifi->ifi_flags & IFF_UP);
}

static void addr_seen(struct nlmsghdr *h)
{
    CHECK(h->nlmsg_type == RTM_NEWADDR, "RTM_NEWADDR");
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    int len = IFA_PAYLOAD(h);
    for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == IFA_LOCAL && ifa->ifa_family == AF_INET && *(uint32_t *)RTA_DATA(a) == htonl(INADDR_LOOPBACK))
            lo_addr_seen = ifa->ifa_prefixlen == 8;
}

static void dumps(void)
{
    watchdog_step("dumps");
    int s = nl_open(0);
    CHECK(port_of(s) != 0, "bound to a port id");
    CHECK(dump(s, RTM_GETLINK, AF_UNSPEC, 41, link_seen) >= 1 && lo_seen, "RTM_GETLINK shows lo");
    OK("an RTM_GETLINK dump comes to the socket's port id and shows lo, up");
    CHECK(dump(s, RTM_GETADDR, AF_INET, 42, addr_seen) >= 1 && lo_addr_seen, "RTM_GETADDR shows 127.0.0.1/8");
    OK("an RTM_GETADDR dump shows 127.0.0.1/8");
    close(s);

    /* An unbound socket binds on its first send. */
    s = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
    CHECK(s >= 0 && port_of(s) == 0, "unbound: port id 0");
    lo_seen = 0;
    CHECK(dump(s, RTM_GETLINK, AF_UNSPEC, 43, link_seen) >= 1 && lo_seen && port_of(s) != 0, "bound on send");
    OK("an unbound socket gets a port id on its first send");
    close(s);
}

/* Drops CAP_NET_ADMIN from the effective set, and checks it is gone. */
static void drop_net_admin(void)
{
    struct cap_header h = {CAPABILITY_VERSION_3, 0};
    struct cap_data d[2];
    CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
    d[0].effective &= ~(1u << CAP_NET_ADMIN);
    CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
    CHECK(syscall(SYS_capget, &h, d) == 0 && !(d[0].effective & (1u << CAP_NET_ADMIN)), "CAP_NET_ADMIN is gone");
}

/* Sends `req` and expects an EPERM acknowledgement for it. */
static void refused(int s, struct nlmsghdr *req, int capped, const char *what)
{
    CHECK(send(s, req, req->nlmsg_len, 0) == (ssize_t)req->nlmsg_len, "send");
    /* The length first, as iproute2 asks it. */
    ssize_t whole = recv(s, NULL, 0, MSG_PEEK | MSG_TRUNC);
    ssize_t n = recv(s, reply, sizeof reply, 0);
    CHECK(n == whole, "MSG_PEEK|MSG_TRUNC told the length: %zd %zd", whole, n);
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    CHECK(NLMSG_OK(h, n) && h->nlmsg_type == NLMSG_ERROR, "an acknowledgement");
    struct nlmsgerr *e = NLMSG_DATA(h);
    CHECK(e->error == -EPERM, "%s: error %d", what, e->error);
    CHECK(h->nlmsg_seq == req->nlmsg_seq && h->nlmsg_pid == port_of(s), "addressed to the request's sender");
    CHECK(e->msg.nlmsg_type == req->nlmsg_type && e->msg.nlmsg_seq == req->nlmsg_seq, "carrying the request's header");
    if (capped)
        CHECK(h->nlmsg_len == NLMSG_LENGTH(sizeof *e) && (h->nlmsg_flags & NLM_F_CAPPED), "capped: %u", h->nlmsg_len);
    else
        CHECK(h->nlmsg_len == NLMSG_LENGTH(sizeof(int)) + req->nlmsg_len && memcmp(&e->msg, req, req->nlmsg_len) == 0, "the request whole");
    OK("%s is refused: EPERM", what);
}

static void changes(void)
{
    watchdog_step("changes");
    int s = nl_open(0);
    struct {
        struct nlmsghdr h;
        struct ifaddrmsg a;
        struct rtattr r;
        struct in_addr ip;
    } add = {{sizeof add, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 51, 0},
             {AF_INET, 32, 0, RT_SCOPE_HOST, lo_index()},
             {RTA_LENGTH(sizeof(struct in_addr)), IFA_LOCAL},
             {htonl(0x7f0000fe)}};
    refused(s, &add.h, 0, "RTM_NEWADDR");
    add.h.nlmsg_flags = NLM_F_REQUEST;
    add.h.nlmsg_seq = 52;
    refused(s, &add.h, 0, "RTM_NEWADDR without NLM_F_ACK");
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } set = {{sizeof set, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 53, 0}, {AF_UNSPEC, 0, lo_index(), 0, IFF_UP, 0}};
    refused(s, &set.h, 0, "RTM_SETLINK");
    int one = 1;
    CHECK(setsockopt(s, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one) == 0, "NETLINK_CAP_ACK");
    struct {
        struct nlmsghdr h;
        struct rtmsg r;
    } route = {{sizeof route, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 54, 0}, {AF_INET, 8, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST, 0}};
    refused(s, &route.h, 1, "RTM_NEWROUTE (NETLINK_CAP_ACK)");

    /* A request in a batch after a refused one is still answered. */
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
        struct nlmsghdr g;
        struct rtgenmsg gen;
        char pad[3];
    } batch = {{sizeof set, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, 55, 0}, {AF_UNSPEC, 0, 999, 0, 0, 0},
               {NLMSG_LENGTH(1), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 56, 0}, {AF_UNSPEC}, {0}};
    CHECK(send(s, &batch, sizeof batch, 0) == sizeof batch, "send a batch");
    ssize_t n = recv(s, reply, sizeof reply, 0);
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    CHECK(n > 0 && h->nlmsg_type == NLMSG_ERROR && ((struct nlmsgerr *)NLMSG_DATA(h))->error == -EPERM && h->nlmsg_seq == 55, "the refusal first");
    int done = 0;
    while (!done) {
        n = recv(s, reply, sizeof reply, 0);
        CHECK(n > 0, "recv");
        for (h = (struct nlmsghdr *)reply; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            CHECK(h->nlmsg_seq == 56, "the dump's");
            done |= h->nlmsg_type == NLMSG_DONE;
        }
    }
    OK("a batch: the refusal, then the dump");

    /* Malformed messages are dropped, as Linux drops them. */
    struct nlmsghdr bad = {8, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 57, 0};
    CHECK(send(s, &bad, sizeof bad, 0) == sizeof bad, "send a header with a short length");
    bad.nlmsg_len = 4096;
    CHECK(send(s, &bad, sizeof bad, 0) == sizeof bad, "send a header longer than the message");
    CHECK(send(s, &bad, 10, 0) == 10, "send less than a header");
    EXPECT_ERRNO("nothing comes of them", EAGAIN, recv(s, reply, sizeof reply, MSG_DONTWAIT));
    close(s);
}

static void ports_and_errors(void)
{
    watchdog_step("ports and errors");
    unsigned want = 0x7654321;
    int a = nl_open(want);
    CHECK(port_of(a) == want, "the port id asked for");
    int b = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_pid = want};
    EXPECT_ERRNO("a port id in use", EADDRINUSE, bind(b, (struct sockaddr *)&addr, sizeof addr));
    EXPECT_ERRNO("bind with a short address", EINVAL, bind(b, (struct sockaddr *)&addr, 8));
    addr.nl_family = AF_INET;
    EXPECT_ERRNO("bind with another family", EINVAL, bind(b, (struct sockaddr *)&addr, sizeof addr));
    addr.nl_family = AF_NETLINK;
    addr.nl_pid = want + 1;
    EXPECT_ERRNO("rebinding to another port id", EINVAL, bind(a, (struct sockaddr *)&addr, sizeof addr));
    close(a);
    addr.nl_pid = want;
    CHECK(bind(b, (struct sockaddr *)&addr, sizeof addr) == 0 && port_of(b) == want, "the port id is free again");
    OK("port ids asked for: taken, refused while in use, freed on close");
    EXPECT_ERRNO("SOCK_STREAM", ESOCKTNOSUPPORT, socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
    EXPECT_ERRNO("protocol 99", EPROTONOSUPPORT, socket(AF_NETLINK, SOCK_RAW, 99));
    EXPECT_ERRNO("listen", EOPNOTSUPP, listen(b, 1));
    EXPECT_ERRNO("MSG_OOB", EOPNOTSUPP, send(b, "x", 1, MSG_OOB));
    int v = 0;
    socklen_t len = sizeof v;
    CHECK(getsockopt(b, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_RAW, "SO_TYPE");
    CHECK(getsockopt(b, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0 && v == NETLINK_ROUTE, "SO_PROTOCOL");
    CHECK(getsockopt(b, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_NETLINK, "SO_DOMAIN");
    OK("bad arguments get Linux's errors");
    close(b);
}

int main(void)
{
    watchdog_start(30);
    /* Natively, as root, the requests that change the network would
     * succeed: this program never has the right to make them. */
    drop_net_admin();
    ifaddrs();
    requests();
    dumps();
    ports_and_errors();
    changes();
    return 0;
}
