/* A library for LD_PRELOAD (built by the test with gcc -shared -fPIC): it
 * interposes getenv, answering for SBX_PRELOAD_PROBE itself and passing
 * every other name on to the C library's getenv (dlsym RTLD_NEXT). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

int sbx_preload_calls;

char *getenv(const char *name)
{
    static char *(*real)(const char *);
    if (!real)
        real = (char *(*)(const char *))dlsym(RTLD_NEXT, "getenv");
    if (strcmp(name, "SBX_PRELOAD_PROBE") == 0) {
        sbx_preload_calls++;
        return "interposed by the preloaded library";
    }
    return real ? real(name) : NULL;
}
