/* personality(2): the persona reads back as set, 0xffffffff only queries
 * it, and it is inherited by fork and kept across execve. With
 * ADDR_NO_RANDOMIZE, two runs of the same program get the same addresses
 * for their stack, heap, mmap area and vDSO. */
#define _GNU_SOURCE
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "proc.h"

/* The exec'd image: prints its persona and where things went. */
static int report(void)
{
    int local = 0;
    void *map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("persona %#x stack %p heap %p mmap %p vdso %#lx\n", personality(0xffffffff), (void *)&local, sbrk(0), map,
           getauxval(AT_SYSINFO_EHDR));
    return 0;
}

/* Runs this program's `report` image and returns what it printed. */
static void run_report(char *out, size_t size)
{
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    pid_t pid = fork_checked();
    if (pid == 0) {
        dup2(p[1], 1);
        char *argv[] = {"personality", "report", NULL};
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size && (r = read(p[0], out + n, size - 1 - n)) > 0)
        n += r;
    out[n] = 0;
    close(p[0]);
    expect_exit(pid, 0, "the report");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return report();

    personality(0);
    CHECK(personality(0xffffffff) == 0, "the persona set to 0 reads back as %#x", personality(0xffffffff));
    CHECK(personality(ADDR_NO_RANDOMIZE) == 0, "personality returns the old persona");
    CHECK(personality(0xffffffff) == ADDR_NO_RANDOMIZE, "ADDR_NO_RANDOMIZE reads back");
    CHECK(personality(0xffffffff) == ADDR_NO_RANDOMIZE, "0xffffffff only queries");
    OK("personality sets, returns the old persona, and 0xffffffff queries");

    pid_t pid = fork_checked();
    if (pid == 0)
        _exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
    expect_exit(pid, 0, "a forked child's persona");
    OK("a forked child has the parent's persona");

    char a[256], b[256];
    run_report(a, sizeof a);
    run_report(b, sizeof b);
    CHECK(strncmp(a, "persona 0x40000 ", 16) == 0, "the exec'd image's persona: %s", a);
    OK("execve keeps the persona");
    CHECK(strcmp(a, b) == 0, "two runs differ:\n%s%s", a, b);
    OK("without randomisation, two runs get the same addresses");
    return 0;
}
