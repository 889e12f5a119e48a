/* getcwd: the working directory, and its errors (ERANGE for a buffer too
 * small, EFAULT for a bad one). Both runs start in the same directory. */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

int main(void)
{
    char buf[PATH_MAX];
    CHECK(getcwd(buf, sizeof buf) == buf, "getcwd");
    printf("cwd %s\n", buf);
    long n = syscall(SYS_getcwd, buf, sizeof buf);
    CHECK(n == (long)strlen(buf) + 1, "the raw call returns the length with its NUL (%ld)", n);
    errno = 0;
    CHECK(syscall(SYS_getcwd, buf, 1) == -1 && errno == ERANGE, "a one-byte buffer: ERANGE");
    errno = 0;
    CHECK(syscall(SYS_getcwd, (char *)8, sizeof buf) == -1 && errno == EFAULT, "a bad buffer: EFAULT");
    OK("getcwd errors");
    return 0;
}
