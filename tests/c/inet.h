/* Addresses for the IP socket tests: one union for IPv4 and IPv6, its
 * length per family, the loopback address, and the port. */
#ifndef SBX_INET_H
#define SBX_INET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} addr_t;

static inline socklen_t addr_len(int family)
{
    return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

/* The loopback address of `family`, port 0. */
static inline addr_t loopback(int family)
{
    addr_t a;
    memset(&a, 0, sizeof a);
    if (family == AF_INET) {
        a.in.sin_family = AF_INET;
        a.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
        a.in6.sin6_family = AF_INET6;
        a.in6.sin6_addr = in6addr_loopback;
    }
    return a;
}

static inline int port_of(const addr_t *a)
{
    return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port);
}

#endif
