/* io_setup(2) (Linux AIO): works on the host; the sandbox does not
 * implement it yet and must answer ENOSYS rather than pass the call
 * through. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    uint64_t ctx = 0;
    errno = 0;
    long r = syscall(SYS_io_setup, 1, &ctx);
    if (r == 0) {
        printf("io_setup: ok\n");
        syscall(SYS_io_destroy, ctx);
    } else {
        printf("io_setup: %s\n", errname(errno));
    }
    return 0;
}
