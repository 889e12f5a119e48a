/* A probe for tests/tests/unix_host.rs: what Unix sockets do at a given
 * path.
 *
 *   unix_probe connect PATH   a stream, seqpacket and datagram socket each
 *                             try to reach PATH; prints what they got
 *   unix_probe serve PATH     binds PATH, listens, and serves a connection
 *                             from a child; prints what happened */
#define _GNU_SOURCE
#include "unix.h"
#include "watchdog.h"

static void try_connect(const char *path)
{
    struct sockaddr_un a;
    socklen_t alen = unix_addr(&a, path);
    const struct {
        int type;
        const char *name;
    } types[] = {{SOCK_STREAM, "stream"}, {SOCK_SEQPACKET, "seqpacket"}, {SOCK_DGRAM, "dgram"}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        int s = socket(AF_UNIX, types[i].type, 0);
        CHECK(s >= 0, "socket");
        errno = 0;
        int r = connect(s, (struct sockaddr *)&a, alen);
        printf("%s connect: %s\n", types[i].name, r == 0 ? "ok" : errname(errno));
        if (types[i].type == SOCK_DGRAM) {
            int d = socket(AF_UNIX, SOCK_DGRAM, 0);
            errno = 0;
            r = (int)sendto(d, "x", 1, 0, (struct sockaddr *)&a, alen);
            printf("dgram sendto: %s\n", r == 1 ? "ok" : errname(errno));
            close(d);
        }
        close(s);
    }
}

static void serve(const char *path)
{
    int l = unix_server(SOCK_STREAM, path, 1);
    struct stat st;
    CHECK(stat(path, &st) == 0, "stat");
    printf("bound: a socket file %d\n", S_ISSOCK(st.st_mode));
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        watchdog_child(20);
        int c = unix_client(SOCK_STREAM, path);
        char b[8];
        if (write(c, "hello", 5) != 5 || read(c, b, sizeof b) != 2)
            _exit(2);
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    char b[8];
    CHECK(read(s, b, sizeof b) == 5 && memcmp(b, "hello", 5) == 0, "hello");
    CHECK(write(s, "hi", 2) == 2, "reply");
    reap_ok(pid, "client");
    printf("served a connection\n");
    close(s);
    close(l);
}

int main(int argc, char **argv)
{
    watchdog_start(30);
    if (argc == 3 && strcmp(argv[1], "connect") == 0)
        try_connect(argv[2]);
    else if (argc == 3 && strcmp(argv[1], "serve") == 0)
        serve(argv[2]);
    else
        FAIL("usage: unix_probe connect|serve PATH");
    return 0;
}
