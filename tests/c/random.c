/* getrandom(2). */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 1
#endif

int main(void)
{
    unsigned char buf[64];
    memset(buf, 0, sizeof buf);
    long r = syscall(SYS_getrandom, buf, sizeof buf, 0);
    CHECK(r == 64, "getrandom returned %ld", r);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero |= buf[i];
    CHECK(nonzero, "getrandom: 64 zero bytes");
    OK("getrandom 64 bytes");

    unsigned char buf2[64];
    memset(buf2, 0, sizeof buf2);
    r = syscall(SYS_getrandom, buf2, sizeof buf2, GRND_NONBLOCK);
    CHECK(r == 64, "getrandom GRND_NONBLOCK returned %ld", r);
    CHECK(memcmp(buf, buf2, sizeof buf) != 0, "two getrandom calls returned the same bytes");
    OK("getrandom GRND_NONBLOCK");

    r = syscall(SYS_getrandom, buf, 0, 0);
    CHECK(r == 0, "getrandom of 0 bytes returned %ld", r);
    OK("getrandom 0 bytes");

    EXPECT_ERRNO("getrandom flags 0x100", EINVAL, syscall(SYS_getrandom, buf, sizeof buf, 0x100));
    EXPECT_ERRNO("getrandom buffer (void*)1", EFAULT, syscall(SYS_getrandom, (void *)1, 16, 0));
    return 0;
}
