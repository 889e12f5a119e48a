/* getauxval in a dynamically linked (PIE) program: AT_PHDR, AT_ENTRY and
 * AT_BASE are non-zero and agree with what the dynamic loader reports:
 * AT_PHDR is the main program's headers in dl_iterate_phdr, AT_ENTRY is
 * its ELF header's e_entry moved by its load bias and lies in its
 * executable segment, AT_BASE is the load address of ld-linux (where its
 * ELF header sits), and AT_EXECFN names the program. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
#include "check.h"

struct found {
    int n;
    ElfW(Addr) main_addr;
    const ElfW(Phdr) *main_phdr;
    ElfW(Half) main_phnum;
    ElfW(Addr) ld_addr;
    int ld_seen;
};

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct found *f = data;
    if (f->n++ == 0) {
        f->main_addr = info->dlpi_addr;
        f->main_phdr = info->dlpi_phdr;
        f->main_phnum = info->dlpi_phnum;
    } else if (strcmp(base(info->dlpi_name), "ld-linux-x86-64.so.2") == 0) {
        f->ld_addr = info->dlpi_addr;
        f->ld_seen = 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    unsigned long phdr = getauxval(AT_PHDR), entry = getauxval(AT_ENTRY), at_base = getauxval(AT_BASE);
    unsigned long phnum = getauxval(AT_PHNUM), phent = getauxval(AT_PHENT);
    CHECK(phdr != 0, "AT_PHDR is 0");
    CHECK(entry != 0, "AT_ENTRY is 0");
    CHECK(at_base != 0, "AT_BASE is 0 in a dynamically linked program");
    OK("AT_PHDR, AT_ENTRY and AT_BASE are non-zero");
    CHECK(phent == sizeof(ElfW(Phdr)), "AT_PHENT is %lu", phent);
    CHECK(at_base % 4096 == 0, "AT_BASE %#lx not page aligned", at_base);
    OK("AT_PHENT is %lu; AT_BASE is page aligned", phent);

    struct found f = {0};
    dl_iterate_phdr(collect, &f);
    CHECK(f.main_phdr == (const ElfW(Phdr) *)phdr, "AT_PHDR is not the main program's headers in dl_iterate_phdr");
    CHECK(f.main_phnum == phnum, "AT_PHNUM %lu, dl_iterate_phdr %u", phnum, f.main_phnum);
    OK("AT_PHDR and AT_PHNUM are the main program's in dl_iterate_phdr");

    /* The main program is a PIE: its load bias is where its ELF header is. */
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)phdr;
    uintptr_t bias = 0;
    int has_interp = 0;
    for (unsigned long i = 0; i < phnum; i++) {
        if (ph[i].p_type == PT_PHDR)
            bias = phdr - ph[i].p_vaddr;
        if (ph[i].p_type == PT_INTERP)
            has_interp = 1;
    }
    CHECK(has_interp, "the program has no PT_INTERP");
    CHECK(bias == f.main_addr, "the bias from PT_PHDR %#lx is not dlpi_addr %#lx", (unsigned long)bias, (unsigned long)f.main_addr);
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)bias;
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "no ELF header at the load bias");
    CHECK(eh->e_type == ET_DYN, "the program is not ET_DYN (a PIE)");
    CHECK(entry == bias + eh->e_entry, "AT_ENTRY is not e_entry + bias");
    OK("AT_ENTRY is the program's e_entry moved by its load bias");
    int in_text = 0;
    for (unsigned long i = 0; i < phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && entry >= bias + ph[i].p_vaddr &&
            entry < bias + ph[i].p_vaddr + ph[i].p_memsz)
            in_text = 1;
    CHECK(in_text, "AT_ENTRY is not in an executable PT_LOAD");
    OK("AT_ENTRY lies in the program's executable segment");

    CHECK(f.ld_seen, "ld-linux-x86-64.so.2 is not in dl_iterate_phdr");
    CHECK(f.ld_addr == at_base, "AT_BASE %#lx is not ld.so's load address %#lx", at_base, (unsigned long)f.ld_addr);
    const ElfW(Ehdr) *lh = (const ElfW(Ehdr) *)at_base;
    CHECK(memcmp(lh->e_ident, ELFMAG, SELFMAG) == 0 && lh->e_type == ET_DYN, "no ELF header of a shared object at AT_BASE");
    OK("AT_BASE is ld-linux's load address, where its ELF header is");
    CHECK(at_base != bias, "AT_BASE is the program's own base");
    OK("AT_BASE is not the program's base");

    const char *execfn = (const char *)getauxval(AT_EXECFN);
    CHECK(execfn != NULL && strcmp(execfn, argv[0]) == 0, "AT_EXECFN %s, argv[0] %s", execfn ? execfn : "(null)", argv[0]);
    OK("AT_EXECFN is the path the program was started by");
    CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ");
    CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID/AT_EUID");
    CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID/AT_EGID");
    CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE");
    OK("AT_PAGESZ, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE");
    return 0;
}
