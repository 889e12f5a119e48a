/* readlink("/proc/self/exe"). Prints only the basename (the harness runs
 * the same binary both ways). */
#include <unistd.h>
#include "check.h"

int main(void)
{
    char full[4096];
    memset(full, 0, sizeof full);
    ssize_t n = readlink("/proc/self/exe", full, sizeof full - 1);
    CHECK(n > 0, "readlink /proc/self/exe failed");
    CHECK(full[0] == '/', "/proc/self/exe is not absolute: [%s]", full);
    CHECK((size_t)n == strlen(full), "readlink length %zd != strlen %zu", n, strlen(full));
    const char *base = strrchr(full, '/') + 1;
    printf("basename=%s\n", base);

    char small[8];
    memset(small, '#', sizeof small);
    n = readlink("/proc/self/exe", small, 4);
    CHECK(n == 4, "readlink into a 4-byte buffer returned %zd", n);
    CHECK(memcmp(small, full, 4) == 0, "truncated readlink has the wrong bytes");
    CHECK(small[4] == '#', "readlink wrote past the buffer (no NUL allowed)");
    OK("readlink truncates to the buffer size without a NUL");

    return 0;
}
