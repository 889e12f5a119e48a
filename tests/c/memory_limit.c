/* Under `sandbox-exec --memory 256m`: committed memory (private writable
 * mappings, touched or not) is capped; shared and read-only memory is
 * not counted; fork must fit a copy; freed memory is given back. Run in
 * the sandbox only (natively the host's overcommit applies). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "watchdog.h"

#define MIB (1024UL * 1024)

static void *map(size_t len, int prot, int flags)
{
    void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int main(void)
{
    watchdog_start(30);
    void *a = map(150 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(a != NULL, "150 MiB private writable");
    memset(a, 1, 150 * MIB);
    errno = 0;
    void *b = map(150 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    printf("another 150 MiB: %s\n", b ? "mapped" : errname(errno));
    void *r = map(512 * MIB, PROT_READ, MAP_PRIVATE);
    printf("512 MiB read-only: %s\n", r ? "mapped" : errname(errno));
    void *s = map(512 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED);
    printf("512 MiB shared: %s\n", s ? "mapped" : errname(errno));
    EXPECT_ERRNO("mprotect of the read-only 512 MiB to writable", ENOMEM, mprotect(r, 512 * MIB, PROT_READ | PROT_WRITE));
    CHECK(mprotect(r, 16 * MIB, PROT_READ | PROT_WRITE) == 0, "mprotect of 16 MiB of it to writable");
    void *big = malloc(300 * MIB);
    printf("malloc of 300 MiB: %s\n", big ? "given" : "NULL");
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    printf("fork with 166 MiB committed: %s\n", pid > 0 ? "forked" : errname(errno));
    if (pid > 0)
        CHECK(waitpid(pid, NULL, 0) == pid, "reap");
    CHECK(munmap(a, 150 * MIB) == 0, "munmap");
    pid = fork();
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0, "fork after giving 150 MiB back");
    CHECK(waitpid(pid, NULL, 0) == pid, "reap");
    OK("after munmap, fork fits again");
    b = map(150 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(b != NULL, "150 MiB again after munmap");
    OK("freed memory is given back");
    return 0;
}
