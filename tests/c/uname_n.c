/* Prints the host name, as `uname -n` does. */
#include <sys/utsname.h>
#include "check.h"

int main(void)
{
    struct utsname u;
    CHECK(uname(&u) == 0, "uname");
    printf("%s\n", u.nodename);
    return 0;
}
