/* Writes "before", then dereferences NULL: must die of SIGSEGV. */
#include <stdio.h>

int main(void)
{
    printf("before\n");
    fflush(stdout);
    volatile int *p = 0;
    *p = 42;
    printf("after (should not be reached)\n");
    return 0;
}
