/* socket(AF_UNIX): works on the host; the sandbox does not implement it yet
 * and must answer ENOSYS rather than pass the call through. */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    errno = 0;
    long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0)
        printf("socket: ok\n");
    else
        printf("socket: %s\n", errname(errno));
    return 0;
}
