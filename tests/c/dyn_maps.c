/* /proc/self/maps of a dynamically linked program: the main program,
 * ld-linux-x86-64.so.2 and libc.so.6 each appear, under their canonical
 * paths, with the permissions of their segments in address order, the
 * first mapping at file offset 0 and offsets growing with addresses, a
 * non-zero device and inode that match stat() of the file; every line is
 * well formed and the lines are in increasing, non-overlapping address
 * order; [heap] and [stack] are there, and the stack holds this
 * function's locals. Only facts that are the same on every run are
 * printed. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "check.h"

#define MAXLINES 512

struct line {
    unsigned long lo, hi, off, inode;
    unsigned maj, min;
    char perms[5];
    char path[PATH_MAX];
};

static struct line lines[MAXLINES];
static int nlines;

static void parse(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL, "open /proc/self/maps");
    char buf[PATH_MAX + 128];
    while (fgets(buf, sizeof buf, f)) {
        CHECK(nlines < MAXLINES, "too many lines");
        struct line *l = &lines[nlines];
        int end = 0;
        int n = sscanf(buf, "%lx-%lx %4s %lx %x:%x %lu %n", &l->lo, &l->hi, l->perms, &l->off, &l->maj, &l->min,
                       &l->inode, &end);
        CHECK(n == 7, "malformed line: %s", buf);
        char *p = buf + end;
        p[strcspn(p, "\n")] = '\0';
        snprintf(l->path, sizeof l->path, "%s", p);
        nlines++;
    }
    fclose(f);
    CHECK(nlines > 0, "/proc/self/maps is empty");
}

/* Checks the mappings of `path` and prints what is deterministic. */
static void object(const char *what, const char *path)
{
    char real[PATH_MAX];
    CHECK(realpath(path, real) != NULL, "realpath(%s)", path);
    struct stat st;
    CHECK(stat(real, &st) == 0, "stat(%s)", real);
    int n = 0, first = -1;
    char perms[256] = "";
    unsigned long last_off = 0, last_lo = 0;
    for (int i = 0; i < nlines; i++) {
        struct line *l = &lines[i];
        if (strcmp(l->path, real) != 0)
            continue;
        if (first < 0) {
            first = i;
            CHECK(l->off == 0, "%s: the first mapping is at offset %#lx", what, l->off);
        } else {
            CHECK(l->lo > last_lo && l->off >= last_off, "%s: offsets go down as addresses grow", what);
        }
        CHECK(l->maj != 0 || l->min != 0, "%s: device 00:00", what);
        CHECK(l->inode != 0, "%s: inode 0", what);
        CHECK(makedev(l->maj, l->min) == st.st_dev, "%s: device %x:%x, stat says %lx", what, l->maj, l->min,
              (unsigned long)st.st_dev);
        CHECK(l->inode == st.st_ino, "%s: inode %lu, stat says %lu", what, l->inode, (unsigned long)st.st_ino);
        last_off = l->off;
        last_lo = l->lo;
        if (n++)
            strcat(perms, " ");
        strcat(perms, l->perms);
    }
    CHECK(n > 0, "%s (%s) is not mapped", what, real);
    printf("%s: mapped from %s\n", what, real);
    printf("%s: %d mappings: %s\n", what, n, perms);
    printf("%s: first mapping at offset 0, offsets never go down, device and inode match stat: yes\n", what);
    printf("%s mapped r-x: %s\n", what, strstr(perms, "r-xp") ? "yes" : "no");
}

int main(void)
{
    int local = 1;
    char *heap = malloc(64);
    CHECK(heap != NULL, "malloc");
    parse();
    for (int i = 1; i < nlines; i++)
        CHECK(lines[i].lo >= lines[i - 1].hi, "line %d overlaps or comes before line %d", i, i - 1);
    for (int i = 0; i < nlines; i++) {
        CHECK(lines[i].lo < lines[i].hi, "empty range on line %d", i);
        CHECK(lines[i].lo % 4096 == 0 && lines[i].hi % 4096 == 0, "unaligned range on line %d", i);
        CHECK(strlen(lines[i].perms) == 4 && strchr("ps", lines[i].perms[3]), "perms %s", lines[i].perms);
    }
    OK("%s", "lines are well formed, page aligned, in increasing address order, without overlap");

    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    exe[n] = '\0';
    object("main program", exe);
    object("ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
    object("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");

    int heap_ok = 0, stack_ok = 0;
    for (int i = 0; i < nlines; i++) {
        if (strcmp(lines[i].path, "[heap]") == 0 && (uintptr_t)heap >= lines[i].lo && (uintptr_t)heap < lines[i].hi)
            heap_ok = 1;
        if (strcmp(lines[i].path, "[stack]") == 0 && (uintptr_t)&local >= lines[i].lo &&
            (uintptr_t)&local < lines[i].hi)
            stack_ok = 1;
    }
    printf("[heap] holds malloc'ed memory: %s\n", heap_ok ? "yes" : "no");
    printf("[stack] holds a local variable: %s\n", stack_ok ? "yes" : "no");
    free(heap);
    return 0;
}
