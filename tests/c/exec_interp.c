/* execve of an ELF program whose interpreter (PT_INTERP) is wrong: each
 * fault fails the call, and the caller goes on, with Linux's errno:
 *   the interpreter is missing                 ENOENT
 *   it is a directory, or not executable       EACCES
 *   it is shorter than an ELF header           EIO
 *   it is not an ELF file, or not x86_64       ELIBBAD
 *   PT_INTERP is empty or lacks its NUL        ENOEXEC
 * The programs are made here, in a fresh directory under /tmp: a header,
 * one loadable segment and the interpreter's path. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static char dir[64];

/* Writes `len` bytes to `name` in the test directory with `mode`, and its
 * path to `path` (256 bytes). */
static void put(const char *name, const void *data, size_t len, mode_t mode, char *path)
{
    snprintf(path, 256, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CHECK(fd >= 0, "create %s", name);
    CHECK(write(fd, data, len) == (ssize_t)len, "write %s", name);
    CHECK(fchmod(fd, mode) == 0, "chmod %s", name);
    close(fd);
}

/* An x86_64 ET_EXEC program whose PT_INTERP holds the `interp_len` bytes
 * of `interp` (a NUL included only if the caller counts it). */
static void program(const char *name, const char *interp, size_t interp_len, char *path)
{
    unsigned char img[4096] = {0};
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof *eh);
    size_t interp_at = sizeof *eh + 2 * sizeof *ph;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = 0x400000 + interp_at;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof *ph;
    eh->e_phnum = 2;
    ph[0] = (Elf64_Phdr){.p_type = PT_INTERP, .p_flags = PF_R, .p_offset = interp_at, .p_vaddr = 0x400000 + interp_at,
                         .p_filesz = interp_len, .p_memsz = interp_len, .p_align = 1};
    ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = 0x400000,
                         .p_filesz = sizeof img, .p_memsz = sizeof img, .p_align = 4096};
    memcpy(img + interp_at, interp, interp_len);
    put(name, img, sizeof img, 0755, path);
}

/* An ELF header alone: class `cls`, machine `machine`. */
static void elf_header(const char *name, int cls, int machine, char *path)
{
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = cls;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    put(name, &eh, sizeof eh, 0755, path);
}

static void expect(const char *what, int err, const char *interp)
{
    char prog[256];
    program("prog", interp, strlen(interp) + 1, prog);
    char *argv[] = {prog, NULL}, *envp[] = {NULL};
    EXPECT_ERRNO(what, err, execve(prog, argv, envp));
}

int main(void)
{
    strcpy(dir, "/tmp/sbx-exec-interp-XXXXXX");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char p[256], interp[256];

    snprintf(interp, sizeof interp, "%s/missing", dir);
    expect("a missing interpreter", ENOENT, interp);

    snprintf(interp, sizeof interp, "%s/subdir", dir);
    CHECK(mkdir(interp, 0755) == 0, "mkdir");
    expect("an interpreter that is a directory", EACCES, interp);

    put("noexec", "\x7f" "ELF", 4, 0644, interp);
    expect("an interpreter without execute permission", EACCES, interp);

    put("short", "#!/bin/sh\nexit 0\n", 17, 0755, interp);
    expect("an interpreter shorter than an ELF header", EIO, interp);

    char text[128];
    memset(text, '#', sizeof text);
    put("script", text, sizeof text, 0755, interp);
    expect("an interpreter that is no ELF file", ELIBBAD, interp);

    elf_header("elf32", ELFCLASS32, EM_386, interp);
    expect("a 32-bit interpreter", ELIBBAD, interp);

    elf_header("arm", ELFCLASS64, EM_AARCH64, interp);
    expect("an interpreter for another machine", ELIBBAD, interp);

    char *argv[] = {p, NULL}, *envp[] = {NULL};
    program("no-nul", "/lib/ld.so", 10, p);
    EXPECT_ERRNO("a PT_INTERP without its NUL", ENOEXEC, execve(p, argv, envp));
    program("empty", "", 1, p);
    EXPECT_ERRNO("an empty PT_INTERP", ENOEXEC, execve(p, argv, envp));

    OK("the caller goes on after every refusal");
    for (const char *n = "prog\0noexec\0short\0script\0elf32\0arm\0no-nul\0empty\0"; *n; n += strlen(n) + 1) {
        snprintf(p, sizeof p, "%s/%s", dir, n);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/subdir", dir);
    rmdir(p);
    rmdir(dir);
    return 0;
}
