/* A shared writable mapping of a file in a host directory bound read-write
 * writes the host file; a private one does not. Run on the file named by
 * argv[1] (which it makes a page long); prints what it did. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "check.h"

int main(int argc, char **argv)
{
    CHECK(argc == 2, "usage: host_mmap FILE");
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0, "open %s: %s", argv[1], errname(errno));
    CHECK(ftruncate(fd, 4096) == 0, "ftruncate");
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(shared != MAP_FAILED, "mmap shared: %s", errname(errno));
    memcpy(shared, "through the mapping\n", 20);
    CHECK(msync(shared, 4096, MS_SYNC) == 0, "msync");
    char back[20];
    CHECK(pread(fd, back, 20, 0) == 20 && memcmp(back, "through the mapping\n", 20) == 0,
          "read back what the mapping wrote");
    OK("a shared writable mapping writes the file");
    char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(private != MAP_FAILED, "mmap private: %s", errname(errno));
    CHECK(memcmp(private, "through", 7) == 0, "the private mapping sees the file");
    memcpy(private, "PRIVATE", 7);
    CHECK(pread(fd, back, 7, 0) == 7 && memcmp(back, "through", 7) == 0, "a private write stays private");
    OK("a private mapping's writes stay in the process");
    CHECK(mprotect(shared, 4096, PROT_READ) == 0 && mprotect(shared, 4096, PROT_READ | PROT_WRITE) == 0,
          "mprotect back to writable: %s", errname(errno));
    OK("a shared mapping of a file open for writing may be made writable again");
    return 0;
}
