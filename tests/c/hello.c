/* Prints "hello", argv one per line, and two environment variables. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("hello\n");
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    const char *names[] = {"SBX_TEST_A", "SBX_TEST_B", "SBX_TEST_UNSET"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(names[i]);
        if (v)
            printf("%s=[%s]\n", names[i], v);
        else
            printf("%s unset\n", names[i]);
    }
    return 0;
}
