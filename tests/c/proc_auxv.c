/* /proc/self/auxv: the auxiliary vector the kernel put on the initial
 * stack, as (type, value) pairs of 8 bytes each ending with AT_NULL. It
 * must agree with getauxval for AT_PHDR, AT_ENTRY, AT_PAGESZ (and the
 * other entries a program commonly reads), and be byte for byte the
 * vector found on the stack after the environment. Works static and
 * dynamic. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "check.h"

extern char **environ;

int main(void)
{
    /* The vector on the stack, found before anything can move environ. */
    char **e = environ;
    while (*e)
        e++;
    const Elf64_auxv_t *stack = (const Elf64_auxv_t *)(e + 1);
    size_t stack_n = 0;
    while (stack[stack_n].a_type != AT_NULL)
        stack_n++;
    stack_n++;

    int fd = open("/proc/self/auxv", O_RDONLY);
    CHECK(fd >= 0, "open /proc/self/auxv");
    OK("/proc/self/auxv opens");
    static unsigned char buf[16384];
    size_t got = 0;
    ssize_t n;
    /* Small reads, to exercise offsets. */
    while ((n = read(fd, buf + got, 24 < sizeof buf - got ? 24 : sizeof buf - got)) > 0)
        got += n;
    CHECK(n == 0, "read");
    close(fd);
    CHECK(got > 0 && got % sizeof(Elf64_auxv_t) == 0, "/proc/self/auxv is %zu bytes", got);
    const Elf64_auxv_t *file = (const Elf64_auxv_t *)buf;
    size_t file_n = got / sizeof(Elf64_auxv_t);
    CHECK(file[file_n - 1].a_type == AT_NULL, "the last entry is not AT_NULL");
    for (size_t i = 0; i + 1 < file_n; i++)
        CHECK(file[i].a_type != AT_NULL, "AT_NULL before the end");
    OK("/proc/self/auxv is whole (type, value) pairs ending with AT_NULL");

    static const struct { unsigned long type; const char *name; } types[] = {
        {AT_PHDR, "AT_PHDR"}, {AT_ENTRY, "AT_ENTRY"}, {AT_PAGESZ, "AT_PAGESZ"}, {AT_PHENT, "AT_PHENT"},
        {AT_PHNUM, "AT_PHNUM"}, {AT_BASE, "AT_BASE"}, {AT_UID, "AT_UID"}, {AT_EUID, "AT_EUID"},
        {AT_GID, "AT_GID"}, {AT_EGID, "AT_EGID"}, {AT_SECURE, "AT_SECURE"}, {AT_RANDOM, "AT_RANDOM"},
        {AT_EXECFN, "AT_EXECFN"}, {AT_CLKTCK, "AT_CLKTCK"},
        /* Not AT_HWCAP: glibc's getauxval answers with its own idea of it. */
    };
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        unsigned long v = 0;
        int found = 0;
        for (size_t i = 0; i < file_n; i++)
            if (file[i].a_type == types[t].type) {
                v = file[i].a_un.a_val;
                found = 1;
            }
        /* getauxval: 0 with ENOENT for a type the vector lacks. */
        errno = 0;
        unsigned long g = getauxval(types[t].type);
        int g_found = errno != ENOENT;
        CHECK(found == g_found, "%s: in the file %d, getauxval finds it %d", types[t].name, found, g_found);
        CHECK(!found || v == g, "%s: file %#lx, getauxval %#lx", types[t].name, v, g);
    }
    OK("AT_PHDR, AT_ENTRY, AT_PAGESZ and the other common entries agree with getauxval");
    CHECK(file_n == stack_n, "the file has %zu entries, the stack %zu", file_n, stack_n);
    CHECK(memcmp(file, stack, got) == 0, "the file differs from the stack's vector");
    OK("/proc/self/auxv is the vector on the initial stack, byte for byte");
    return 0;
}
