/* uname(): sysname "Linux", machine "x86_64", non-empty release. */
#include <sys/utsname.h>
#include "check.h"

int main(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0, "uname failed");
    CHECK(strcmp(u.sysname, "Linux") == 0, "sysname is [%s]", u.sysname);
    CHECK(strcmp(u.machine, "x86_64") == 0, "machine is [%s]", u.machine);
    CHECK(u.release[0] != 0, "empty release");
    CHECK(u.version[0] != 0, "empty version");
    printf("sysname=%s\n", u.sysname);
    printf("machine=%s\n", u.machine);
    OK("release non-empty");
    return 0;
}
