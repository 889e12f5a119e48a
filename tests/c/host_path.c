/* open("/etc/passwd"): exists on the host, must be invisible in a sandbox
 * whose root is another directory. */
#include <fcntl.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    errno = 0;
    int fd = open("/etc/passwd", O_RDONLY);
    if (fd >= 0) {
        char buf[16];
        ssize_t n = read(fd, buf, sizeof buf);
        printf("open /etc/passwd: ok (read %s)\n", n > 0 ? "data" : "nothing");
        close(fd);
    } else {
        printf("open /etc/passwd: %s\n", errname(errno));
    }
    return 0;
}
