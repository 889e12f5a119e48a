/* dl_iterate_phdr in a dynamically linked program: the objects loaded at
 * start, in order, by name: the main program first (with an empty name),
 * the vDSO, libc.so.6, the dynamic loader; each with program headers that
 * say where its segments are (the main program's are AT_PHDR's, and each
 * object's PT_LOAD segments lie where its load address says); and a
 * library dlopen'ed later appears at the end and goes away at dlclose. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include "check.h"

#define MAX 32

struct obj {
    char name[256];
    ElfW(Addr) addr;
    const ElfW(Phdr) *phdr;
    ElfW(Half) phnum;
    int loads;
    int exec_loads;
};

static struct obj objs[MAX];
static int nobjs;

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)data;
    CHECK(size >= offsetof(struct dl_phdr_info, dlpi_phnum) + sizeof info->dlpi_phnum, "dl_phdr_info size %zu", size);
    CHECK(nobjs < MAX, "too many objects");
    struct obj *o = &objs[nobjs++];
    snprintf(o->name, sizeof o->name, "%s", info->dlpi_name ? info->dlpi_name : "(null)");
    o->addr = info->dlpi_addr;
    o->phdr = info->dlpi_phdr;
    o->phnum = info->dlpi_phnum;
    o->loads = o->exec_loads = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_LOAD)
            continue;
        o->loads++;
        if (info->dlpi_phdr[i].p_flags & PF_X)
            o->exec_loads++;
    }
    return 0;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* A role for each object, for deterministic output. */
static const char *role(const struct obj *o, int i)
{
    if (i == 0)
        return o->name[0] == '\0' ? "main program (empty name)" : "main program (named!)";
    return base(o->name);
}

static void scan(void)
{
    nobjs = 0;
    CHECK(dl_iterate_phdr(collect, NULL) == 0, "dl_iterate_phdr");
}

int main(void)
{
    scan();
    printf("objects at start: %d\n", nobjs);
    for (int i = 0; i < nobjs; i++)
        printf("  %d: %s, %d PT_LOAD (%d executable)\n", i, role(&objs[i], i), objs[i].loads, objs[i].exec_loads);

    CHECK(nobjs >= 3, "fewer than 3 objects");
    CHECK(objs[0].phdr == (const ElfW(Phdr) *)getauxval(AT_PHDR), "the main program's headers are not at AT_PHDR");
    CHECK(objs[0].phnum == getauxval(AT_PHNUM), "the main program's header count is not AT_PHNUM");
    OK("the first object is the main program: its headers are AT_PHDR's");

    int libc = -1, ld = -1;
    for (int i = 1; i < nobjs; i++) {
        if (strcmp(base(objs[i].name), "libc.so.6") == 0)
            libc = i;
        if (strcmp(base(objs[i].name), "ld-linux-x86-64.so.2") == 0)
            ld = i;
    }
    CHECK(libc > 0, "libc.so.6 is not listed");
    CHECK(ld > 0, "ld-linux-x86-64.so.2 is not listed");
    CHECK(objs[libc].name[0] == '/', "libc's name %s is not a path", objs[libc].name);
    OK("libc.so.6 and ld-linux-x86-64.so.2 are listed, by path");

    /* Every object's PT_LOAD segments are mapped where its load address
     * says: the address of a function it defines lies in one of them. */
    for (int i = 0; i < nobjs; i++) {
        CHECK(objs[i].loads > 0, "%s has no PT_LOAD", role(&objs[i], i));
        CHECK(objs[i].addr % 4096 == 0, "%s: load address not page aligned", role(&objs[i], i));
    }
    Dl_info di;
    CHECK(dladdr((void *)&printf, &di) != 0, "dladdr(printf)");
    int found = 0;
    for (int k = 0; k < objs[libc].phnum; k++) {
        const ElfW(Phdr) *p = &objs[libc].phdr[k];
        uintptr_t lo = objs[libc].addr + p->p_vaddr, hi = lo + p->p_memsz;
        if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && (uintptr_t)&printf >= lo && (uintptr_t)&printf < hi)
            found = 1;
    }
    CHECK(found, "printf is not in libc's executable segment");
    CHECK((ElfW(Addr))di.dli_fbase == objs[libc].addr, "dladdr's base for printf is not libc's load address");
    OK("printf lies in libc's executable PT_LOAD; dladdr agrees on libc's base");

    void *h = dlopen("libm.so.6", RTLD_NOW);
    CHECK(h != NULL, "dlopen(libm.so.6): %s", dlerror());
    int before = nobjs;
    scan();
    CHECK(nobjs == before + 1, "dlopen: %d objects, was %d", nobjs, before);
    printf("after dlopen(libm.so.6): %d objects, the last %s\n", nobjs, base(objs[nobjs - 1].name));
    CHECK(dlclose(h) == 0, "dlclose");
    scan();
    CHECK(nobjs == before, "dlclose: %d objects, was %d", nobjs, before);
    printf("after dlclose: %d objects\n", nobjs);
    return 0;
}
