/* prctl PR_SET_NAME / PR_GET_NAME, including truncation to 15 bytes. */
#include <sys/prctl.h>
#include "check.h"

int main(void)
{
    char name[32];
    CHECK(prctl(PR_SET_NAME, "sbx-name", 0, 0, 0) == 0, "PR_SET_NAME failed");
    memset(name, 'X', sizeof name);
    CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0, "PR_GET_NAME failed");
    CHECK(strcmp(name, "sbx-name") == 0, "name is [%s]", name);
    printf("name=[%s]\n", name);

    CHECK(prctl(PR_SET_NAME, "abcdefghijklmnopqrst", 0, 0, 0) == 0, "PR_SET_NAME long failed");
    memset(name, 'X', sizeof name);
    CHECK(prctl(PR_GET_NAME, name, 0, 0, 0) == 0, "PR_GET_NAME failed");
    CHECK(strcmp(name, "abcdefghijklmno") == 0, "long name read back as [%.32s]", name);
    CHECK(name[16] == 'X', "PR_GET_NAME wrote more than 16 bytes");
    printf("long name=[%s]\n", name);
    OK("PR_GET_NAME writes exactly 16 bytes");
    return 0;
}
