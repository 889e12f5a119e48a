/* System calls made many times from the same sites, which the sandbox
 * patches to enter the sentry without a signal after their second trap:
 * results, errors, registers, flags and the red zone must all be exactly
 * what a real `syscall` instruction gives. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define ROUNDS 50

/* `mov $nr, %eax; syscall` with every other register set to a known value
 * beforehand, the carry flag set, and a value in the red zone; returns
 * how many of them came back wrong. rcx and r11 must hold what `syscall`
 * leaves there: the return address and the flags. */
static int check_registers(void)
{
    uint64_t bad = 0;
    __asm__ volatile(
        "sub $128, %%rsp\n\t" /* step over the compiler's own red zone */
        "movq $0x1111, -8(%%rsp)\n\t"
        "movq $0x2222, -120(%%rsp)\n\t"
        "mov $11, %%rbx\n\tmov $13, %%r12\n\tmov $14, %%r13\n\tmov $15, %%r14\n\tmov $16, %%r15\n\t"
        "mov $21, %%rdi\n\tmov $22, %%rsi\n\tmov $23, %%rdx\n\tmov $24, %%r10\n\tmov $25, %%r8\n\tmov $26, %%r9\n\t"
        "stc\n\t"
        "mov $39, %%eax\n\t" /* getpid */
        "syscall\n"
        "1:\n\t"
        "jnc 2f\n\t"          /* the carry flag must survive */
        "xor %%eax, %%eax\n\t"
        "cmp $11, %%rbx\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $13, %%r12\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $14, %%r13\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $15, %%r14\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $16, %%r15\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $21, %%rdi\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $22, %%rsi\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $23, %%rdx\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $24, %%r10\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $25, %%r8\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "cmp $26, %%r9\n\tsetne %%al\n\tadd %%rax, %[bad]\n\t"
        "lea 1b(%%rip), %%rax\n\t"
        "cmp %%rax, %%rcx\n\tsetne %%al\n\tmovzbq %%al, %%rax\n\tadd %%rax, %[bad]\n\t"
        "jmp 3f\n"
        "2:\n\t"
        "add $100, %[bad]\n"
        "3:\n\t"
        "cmpq $0x1111, -8(%%rsp)\n\tje 4f\n\tadd $1000, %[bad]\n"
        "4:\n\t"
        "cmpq $0x2222, -120(%%rsp)\n\tje 5f\n\tadd $1000, %[bad]\n"
        "5:\n\t"
        "add $128, %%rsp\n\t"
        : [bad] "+m"(bad)
        :
        : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory", "cc");
    return (int)bad;
}

int main(void)
{
    int bad = 0;
    for (int i = 0; i < ROUNDS; i++)
        bad += check_registers();
    CHECK(bad == 0, "registers, flags and red zone preserved (%d wrong)", bad);
    OK("registers across a patched site");

    pid_t pid = getpid();
    for (int i = 0; i < ROUNDS; i++) {
        CHECK(getpid() == pid, "getpid stable");
        CHECK(syscall(SYS_getpid) == pid, "syscall(SYS_getpid) stable");
    }
    OK("getpid through both wrappers");

    struct timespec last = {0, 0}, now;
    for (int i = 0; i < ROUNDS; i++) {
        CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0, "clock_gettime");
        CHECK(now.tv_sec > last.tv_sec || (now.tv_sec == last.tv_sec && now.tv_nsec >= last.tv_nsec), "monotonic");
        last = now;
    }
    OK("clock_gettime results copied out");

    for (int i = 0; i < ROUNDS; i++) {
        errno = 0;
        CHECK(close(-1) == -1 && errno == EBADF, "close(-1) EBADF");
        errno = 0;
        CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8) == -1 && errno == EFAULT, "EFAULT");
        errno = 0;
        CHECK(syscall(SYS_uname, (void *)8) == -1 && errno == EFAULT, "uname to a bad buffer");
    }
    OK("errors and EFAULT through patched sites");

    char line[32];
    for (int i = 0; i < ROUNDS; i++) {
        int n = snprintf(line, sizeof line, "line %d\n", i);
        CHECK(write(1, line, n) == n, "write");
    }
    OK("writes in order");
    return 0;
}
