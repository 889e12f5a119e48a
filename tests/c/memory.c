/* brk, malloc, mmap, munmap, mprotect, mremap, madvise. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

static uintptr_t raw_brk(uintptr_t addr)
{
    return (uintptr_t)syscall(SYS_brk, addr);
}

static void fill(void *p, size_t n, int byte)
{
    memset(p, byte, n);
}

static int all(const void *p, size_t n, unsigned char byte)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != byte)
            return 0;
    return 1;
}

static void test_brk(void)
{
    /* Raw brk (musl's sbrk/brk refuse to move the break). Done before any
     * output, so that malloc has not touched the heap yet, and the break is
     * restored exactly so that malloc later finds it where it left it. */
    /* Static glibc already moved the break for its TLS, so it need not be
     * page aligned. */
    uintptr_t start = raw_brk(0);
    uintptr_t aligned = (start + PAGE - 1) & ~(PAGE - 1);
    int ok_start = start != 0;
    uintptr_t grown = raw_brk(start + 100000);
    int ok_grow = grown == start + 100000;
    if (ok_grow) {
        fill((void *)start, 100000, 0x5a);
    }
    int ok_fill = ok_grow && all((void *)start, 100000, 0x5a);
    uintptr_t big = raw_brk(start + 4 * 1024 * 1024);
    int ok_big = big == start + 4 * 1024 * 1024;
    if (ok_big)
        fill((void *)(start + 3 * 1024 * 1024), 1024 * 1024, 0x33);
    uintptr_t shrunk = raw_brk(start + PAGE);
    int ok_shrink = shrunk == start + PAGE && all((void *)start, PAGE, 0x5a);
    uintptr_t below = raw_brk(1);
    int ok_below = below == start + PAGE;
    uintptr_t back = raw_brk(start);
    int ok_back = back == start;

    CHECK(ok_start, "initial brk is 0");
    OK("brk(0) returns the break");
    CHECK(ok_grow, "brk(start+100000) returned start+%ld", (long)(grown - start));
    OK("brk grows by an unaligned amount");
    CHECK(ok_fill, "new heap memory not writable");
    OK("new heap memory writable");
    CHECK(ok_big, "brk growth by 4 MiB returned start+%ld", (long)(big - start));
    OK("brk grows by 4 MiB");
    CHECK(ok_shrink, "brk shrink returned start+%ld or lost contents", (long)(shrunk - start));
    OK("brk shrinks and keeps the remaining contents");
    CHECK(ok_below, "brk(1) returned start+%ld, want the current break", (long)(below - start));
    OK("brk below the heap start fails and returns the current break");
    CHECK(ok_back, "brk back to the start failed");
    OK("brk back to the start");

    /* Fresh growth after a shrink must come back zeroed (whole pages above
     * the old break were released). */
    CHECK(raw_brk(aligned + 2 * PAGE) == aligned + 2 * PAGE, "brk regrow failed");
    CHECK(all((void *)aligned, 2 * PAGE, 0), "regrown heap is not zero-filled");
    CHECK(raw_brk(start) == start, "brk back to the start failed");
    OK("regrown heap is zero-filled");
}

static void test_malloc(void)
{
    size_t sizes[] = {1 << 20, 100 << 20};
    for (int i = 0; i < 2; i++) {
        size_t n = sizes[i];
        unsigned char *p = malloc(n);
        CHECK(p != NULL, "malloc(%zu) failed", n);
        for (size_t off = 0; off < n; off += n / 16)
            p[off] = (unsigned char)(off >> 12);
        p[n - 1] = 0x77;
        for (size_t off = 0; off < n; off += n / 16)
            CHECK(p[off] == (unsigned char)(off >> 12), "malloc memory lost a write");
        CHECK(p[n - 1] == 0x77, "last byte lost");
        free(p);
        OK("malloc %zu MiB and touch pages", n >> 20);
    }
    void *small[100];
    for (int i = 0; i < 100; i++) {
        small[i] = malloc(100 + i);
        CHECK(small[i] != NULL, "small malloc failed");
        memset(small[i], i, 100 + i);
    }
    for (int i = 0; i < 100; i++) {
        CHECK(all(small[i], 100 + i, i), "small block %d corrupted", i);
        free(small[i]);
    }
    OK("100 small mallocs");
}

static void *map(void *addr, size_t len, int prot, int flags)
{
    return mmap(addr, len, prot, flags, -1, 0);
}

static void test_mmap(void)
{
    unsigned char *p = map(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    CHECK(p != MAP_FAILED, "mmap anonymous failed");
    CHECK((uintptr_t)p % PAGE == 0, "mmap result not page aligned");
    CHECK(all(p, 8 * PAGE, 0), "fresh anonymous memory not zero");
    fill(p, 8 * PAGE, 0xab);
    CHECK(all(p, 8 * PAGE, 0xab), "anonymous memory lost writes");
    OK("mmap anonymous private RW");

    EXPECT_ERRNO("munmap unaligned address", EINVAL, munmap(p + 1, PAGE));
    EXPECT_ERRNO("mmap length 0", EINVAL,
                 map(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS));
    EXPECT_ERRNO("mmap without MAP_PRIVATE or MAP_SHARED", EINVAL,
                 map(NULL, PAGE, PROT_READ, MAP_ANONYMOUS));
    EXPECT_ERRNO("mmap MAP_PRIVATE|MAP_SHARED", EINVAL,
                 map(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS));
    EXPECT_ERRNO("mmap MAP_FIXED unaligned", EINVAL,
                 map(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED));
    EXPECT_ERRNO("mmap of a bad fd", EBADF,
                 mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0));

    /* mprotect to read-only and back. */
    CHECK(mprotect(p, 8 * PAGE, PROT_READ) == 0, "mprotect PROT_READ failed");
    CHECK(p[5] == 0xab && p[7 * PAGE] == 0xab, "contents changed by mprotect");
    CHECK(mprotect(p, 8 * PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect RW failed");
    p[5] = 1;
    p[7 * PAGE] = 2;
    CHECK(p[5] == 1 && p[7 * PAGE] == 2, "write after mprotect RW lost");
    OK("mprotect PROT_READ then back to RW");
    /* Raw syscall: musl's wrapper rounds the address down. */
    EXPECT_ERRNO("mprotect unaligned", EINVAL, syscall(SYS_mprotect, p + 1, PAGE, PROT_READ));

    /* mprotect over a hole. */
    CHECK(munmap(p + 3 * PAGE, PAGE) == 0, "munmap of one page failed");
    OK("munmap one page");
    EXPECT_ERRNO("mprotect over an unmapped page", ENOMEM, mprotect(p, 8 * PAGE, PROT_READ));
    CHECK(p[4 * PAGE] == 0xab, "pages after the hole changed");
    /* munmap of a range that is already partly unmapped succeeds. */
    CHECK(munmap(p + 2 * PAGE, 3 * PAGE) == 0, "munmap over a hole failed");
    OK("munmap over a hole");

    /* MAP_FIXED inside an existing mapping replaces that part. */
    unsigned char *f = map(p + 6 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    CHECK(f == p + 6 * PAGE, "MAP_FIXED did not return the requested address");
    CHECK(all(f, PAGE, 0), "MAP_FIXED replacement is not zero-filled");
    CHECK(p[5 * PAGE] == 0xab && p[7 * PAGE] == 2, "MAP_FIXED clobbered neighbours");
    OK("MAP_FIXED inside a mapping replaces it with zeroes");

    /* MAP_FIXED_NOREPLACE over an existing mapping. */
    EXPECT_ERRNO("MAP_FIXED_NOREPLACE over a mapping", EEXIST,
                 map(p + 5 * PAGE, 2 * PAGE, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE));
    /* ...and into the hole it succeeds. */
    unsigned char *h = map(p + 3 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    CHECK(h == p + 3 * PAGE, "MAP_FIXED_NOREPLACE into a hole failed");
    OK("MAP_FIXED_NOREPLACE into a hole");
    CHECK(munmap(p, 8 * PAGE) == 0, "munmap of the whole range failed");

    /* mremap: growing in place is impossible when the next page is taken. */
    unsigned char *a = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    CHECK(a != MAP_FAILED, "mmap failed");
    /* Take the page after it (it may already be taken: EEXIST is fine). */
    unsigned char *block = map(a + 2 * PAGE, PAGE, PROT_READ,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    CHECK(block == a + 2 * PAGE || (block == MAP_FAILED && errno == EEXIST),
          "MAP_FIXED_NOREPLACE after the mapping failed unexpectedly");
    for (size_t i = 0; i < 2 * PAGE; i++)
        a[i] = (unsigned char)(i * 7);
    EXPECT_ERRNO("mremap grow in place when the next page is taken", ENOMEM,
                 mremap(a, 2 * PAGE, 4 * PAGE, 0));
    /* Shrinking in place works. */
    CHECK(mremap(a, 2 * PAGE, 2 * PAGE, 0) == a, "mremap to the same size failed");
    /* Growing with MREMAP_MAYMOVE moves it and preserves contents. */
    unsigned char *b = mremap(a, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED, "mremap MREMAP_MAYMOVE failed");
    CHECK(b != a, "mremap grew in place over a taken page");
    for (size_t i = 0; i < 2 * PAGE; i++)
        CHECK(b[i] == (unsigned char)(i * 7), "mremap lost byte %zu", i);
    CHECK(all(b + 2 * PAGE, 62 * PAGE, 0), "mremap growth not zero-filled");
    b[64 * PAGE - 1] = 9;
    OK("mremap grow with MREMAP_MAYMOVE moves and preserves contents");
    /* The old range is free again: NOREPLACE there succeeds. */
    unsigned char *again = map(a, 2 * PAGE, PROT_READ,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    CHECK(again == a, "old mremap source range still mapped");
    OK("mremap source range unmapped after the move");
    CHECK(munmap(a, 2 * PAGE) == 0, "munmap failed");
    CHECK(munmap(b, 64 * PAGE) == 0, "munmap after mremap failed");
    if (block != MAP_FAILED)
        CHECK(munmap(block, PAGE) == 0, "munmap failed");

    /* madvise(MADV_DONTNEED) on private anonymous memory zeroes it. */
    unsigned char *m = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    CHECK(m != MAP_FAILED, "mmap failed");
    fill(m, 4 * PAGE, 0xcd);
    CHECK(madvise(m + PAGE, 2 * PAGE, MADV_DONTNEED) == 0, "madvise failed");
    CHECK(all(m, PAGE, 0xcd) && all(m + 3 * PAGE, PAGE, 0xcd), "madvise touched other pages");
    CHECK(all(m + PAGE, 2 * PAGE, 0), "MADV_DONTNEED did not zero the pages");
    OK("madvise MADV_DONTNEED zeroes private anonymous pages");
    EXPECT_ERRNO("madvise unaligned", EINVAL, madvise(m + 1, PAGE, MADV_DONTNEED));
    CHECK(munmap(m, 4 * PAGE) == 0, "munmap failed");
}

int main(void)
{
    test_brk();
    test_malloc();
    test_mmap();
    return 0;
}
