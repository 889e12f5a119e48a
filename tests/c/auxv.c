/* The auxiliary vector: every entry a static program relies on. */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "check.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#ifndef AT_EXECFN
#define AT_EXECFN 31
#endif

static unsigned long aux(unsigned long type, const char *name)
{
    errno = 0;
    unsigned long v = getauxval(type);
    CHECK(errno == 0, "getauxval(%s) failed", name);
    return v;
}

int main(int argc, char **argv)
{
    (void)argc;
    CHECK(aux(AT_PAGESZ, "AT_PAGESZ") == 4096, "AT_PAGESZ is %lu", getauxval(AT_PAGESZ));
    OK("AT_PAGESZ == 4096");
    CHECK((unsigned long)sysconf(_SC_PAGESIZE) == 4096, "sysconf(_SC_PAGESIZE)");
    OK("sysconf page size");

    const unsigned char *rnd = (const unsigned char *)aux(AT_RANDOM, "AT_RANDOM");
    CHECK(rnd != NULL, "AT_RANDOM is NULL");
    unsigned nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= rnd[i];
    CHECK(nonzero != 0, "AT_RANDOM bytes are all zero");
    OK("AT_RANDOM points at 16 readable bytes");

    unsigned long phent = aux(AT_PHENT, "AT_PHENT");
    unsigned long phnum = aux(AT_PHNUM, "AT_PHNUM");
    const Elf64_Phdr *phdr = (const Elf64_Phdr *)aux(AT_PHDR, "AT_PHDR");
    CHECK(phent == sizeof(Elf64_Phdr), "AT_PHENT is %lu", phent);
    OK("AT_PHENT == 56");
    CHECK(phnum > 0 && phnum < 100, "AT_PHNUM is %lu", phnum);
    OK("AT_PHNUM > 0");
    CHECK(phdr != NULL, "AT_PHDR is NULL");

    /* Load bias: from PT_PHDR if present, else 0 (non-PIE). */
    uintptr_t bias = 0;
    for (unsigned long i = 0; i < phnum; i++)
        if (phdr[i].p_type == PT_PHDR)
            bias = (uintptr_t)phdr - phdr[i].p_vaddr;
    int loads = 0, phdr_in_load = 0, entry_in_text = 0;
    const Elf64_Phdr *first_load = NULL;
    uintptr_t entry = aux(AT_ENTRY, "AT_ENTRY");
    CHECK(entry != 0, "AT_ENTRY is 0");
    OK("AT_ENTRY non-zero");
    for (unsigned long i = 0; i < phnum; i++) {
        const Elf64_Phdr *p = &phdr[i];
        if (p->p_type != PT_LOAD)
            continue;
        loads++;
        if (!first_load)
            first_load = p;
        uintptr_t lo = p->p_vaddr + bias, hi = lo + p->p_memsz;
        if ((uintptr_t)phdr >= lo && (uintptr_t)phdr + phnum * phent <= hi)
            phdr_in_load = 1;
        if ((p->p_flags & PF_X) && entry >= lo && entry < hi)
            entry_in_text = 1;
    }
    CHECK(loads > 0, "no PT_LOAD among the program headers");
    OK("program headers contain PT_LOAD");
    CHECK(phdr_in_load, "AT_PHDR is not inside a PT_LOAD segment");
    OK("AT_PHDR inside a PT_LOAD");
    CHECK(entry_in_text, "AT_ENTRY is not inside an executable PT_LOAD");
    OK("AT_ENTRY inside an executable PT_LOAD");
    CHECK(first_load->p_offset == 0, "first PT_LOAD does not map the ELF header");
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(first_load->p_vaddr + bias);
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "no ELF magic at the first PT_LOAD");
    CHECK(eh->e_phnum == phnum, "e_phnum %u != AT_PHNUM %lu", eh->e_phnum, phnum);
    CHECK((uintptr_t)eh + eh->e_phoff == (uintptr_t)phdr, "ehdr + e_phoff != AT_PHDR");
    CHECK(eh->e_entry + bias == entry, "e_entry does not match AT_ENTRY");
    OK("ELF header consistent with AT_PHDR/AT_PHNUM/AT_ENTRY");

    CHECK(aux(AT_UID, "AT_UID") == getuid(), "AT_UID != getuid()");
    OK("AT_UID == getuid()");
    CHECK(aux(AT_EUID, "AT_EUID") == geteuid(), "AT_EUID != geteuid()");
    OK("AT_EUID == geteuid()");
    CHECK(aux(AT_GID, "AT_GID") == getgid(), "AT_GID != getgid()");
    OK("AT_GID == getgid()");
    CHECK(aux(AT_EGID, "AT_EGID") == getegid(), "AT_EGID != getegid()");
    OK("AT_EGID == getegid()");
    CHECK(aux(AT_SECURE, "AT_SECURE") == 0, "AT_SECURE is %lu", getauxval(AT_SECURE));
    OK("AT_SECURE == 0");

    const char *execfn = (const char *)aux(AT_EXECFN, "AT_EXECFN");
    CHECK(execfn != NULL, "AT_EXECFN is NULL");
    CHECK(strcmp(execfn, argv[0]) == 0, "AT_EXECFN [%s] != argv[0] [%s]", execfn, argv[0]);
    OK("AT_EXECFN == argv[0]");

    const char *platform = (const char *)aux(AT_PLATFORM, "AT_PLATFORM");
    CHECK(platform != NULL, "AT_PLATFORM is NULL");
    CHECK(strcmp(platform, "x86_64") == 0, "AT_PLATFORM is [%s]", platform);
    OK("AT_PLATFORM == x86_64");

    CHECK(aux(AT_CLKTCK, "AT_CLKTCK") == 100, "AT_CLKTCK is %lu", getauxval(AT_CLKTCK));
    OK("AT_CLKTCK == 100");
    CHECK(sysconf(_SC_CLK_TCK) == 100, "sysconf(_SC_CLK_TCK) is %ld", sysconf(_SC_CLK_TCK));
    OK("sysconf clock ticks");

    (void)aux(AT_HWCAP, "AT_HWCAP");
    OK("AT_HWCAP present");

    errno = 0;
    unsigned long minsig = getauxval(AT_MINSIGSTKSZ);
    if (errno == 0)
        CHECK(minsig > 0, "AT_MINSIGSTKSZ present but 0");
    OK("AT_MINSIGSTKSZ absent or > 0");

    errno = 0;
    CHECK(getauxval(0x7fff) == 0 && errno == ENOENT, "unknown type 0x7fff: want 0/ENOENT");
    OK("unknown auxv type: ENOENT");
    return 0;
}
