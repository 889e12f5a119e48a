/* Name service lookups in a dynamically linked program, which load the
 * NSS modules named in /etc/nsswitch.conf (libnss_files through dlopen, in
 * glibc): the root user by name and by uid, the root group, a user that
 * does not exist, and getaddrinfo("localhost") answered from /etc/hosts
 * (a name that is not there would go on to DNS: not asked).
 * Only fields that are the same on any Debian machine are printed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include "check.h"

int main(void)
{
    errno = 0;
    struct passwd *pw = getpwnam("root");
    CHECK(pw != NULL, "getpwnam(root)");
    printf("getpwnam(root): name %s uid %u gid %u dir %s\n", pw->pw_name, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid,
           pw->pw_dir);

    pw = getpwuid(0);
    CHECK(pw != NULL, "getpwuid(0)");
    printf("getpwuid(0): name %s\n", pw->pw_name);

    struct passwd pwb, *res = NULL;
    char buf[4096];
    CHECK(getpwnam_r("root", &pwb, buf, sizeof buf, &res) == 0 && res == &pwb, "getpwnam_r(root)");
    printf("getpwnam_r(root): uid %u\n", (unsigned)pwb.pw_uid);

    errno = 0;
    CHECK(getpwnam("sbx-no-such-user") == NULL, "getpwnam of a missing user succeeded");
    OK("getpwnam(sbx-no-such-user): not found");

    struct group *gr = getgrnam("root");
    CHECK(gr != NULL, "getgrnam(root)");
    printf("getgrnam(root): name %s gid %u\n", gr->gr_name, (unsigned)gr->gr_gid);
    gr = getgrgid(0);
    CHECK(gr != NULL, "getgrgid(0)");
    printf("getgrgid(0): name %s\n", gr->gr_name);

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    int e = getaddrinfo("localhost", "80", &hints, &ai);
    CHECK(e == 0, "getaddrinfo(localhost): %s", gai_strerror(e));
    int n = 0;
    for (struct addrinfo *p = ai; p; p = p->ai_next, n++) {
        char a[INET_ADDRSTRLEN];
        struct sockaddr_in *sin = (struct sockaddr_in *)p->ai_addr;
        CHECK(p->ai_family == AF_INET, "family %d", p->ai_family);
        inet_ntop(AF_INET, &sin->sin_addr, a, sizeof a);
        printf("getaddrinfo(localhost, 80): %s port %u\n", a, ntohs(sin->sin_port));
    }
    CHECK(n >= 1, "no address");
    freeaddrinfo(ai);

    struct hostent *h = gethostbyname("localhost");
    CHECK(h != NULL && h->h_addrtype == AF_INET, "gethostbyname(localhost)");
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, h->h_addr_list[0], a, sizeof a);
    printf("gethostbyname(localhost): %s\n", a);
    return 0;
}
