/* LD_PRELOAD and LD_LIBRARY_PATH in a dynamically linked program. The test
 * builds two libraries into its scratch directory: libsbxpreload.so,
 * preloaded, interposes getenv for SBX_PRELOAD_PROBE; libsbxdep.so is
 * dlopen'ed by bare name and found through LD_LIBRARY_PATH, and has a
 * thread-local variable in dynamic TLS, each thread's own. The program
 * then execs itself: the environment carries both settings to the new
 * image. Run without the variables it reports that neither took effect.
 *
 * Usage: dyn_preload [exec'd] */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>
#include "check.h"

static int *(*tls_addr)(void);

static void *thread(void *arg)
{
    (void)arg;
    int *p = tls_addr();
    if (*p != 5)
        return "a new thread does not start from the initial value";
    *p = 99;
    return NULL;
}

static void report(const char *who)
{
    const char *v = getenv("SBX_PRELOAD_PROBE");
    printf("%s: getenv(SBX_PRELOAD_PROBE) = %s\n", who, v ? v : "(null)");
    const char *o = getenv("SBX_PRELOAD_OTHER");
    printf("%s: getenv(SBX_PRELOAD_OTHER) = %s\n", who, o ? o : "(null)");
    int *calls = dlsym(RTLD_DEFAULT, "sbx_preload_calls");
    printf("%s: the preloaded library is %s\n", who, calls ? "loaded" : "not loaded");
    if (calls)
        printf("%s: it answered %d time(s)\n", who, *calls);

    void *h = dlopen("libsbxdep.so", RTLD_NOW);
    if (!h) {
        const char *e = dlerror();
        CHECK(e && strstr(e, "libsbxdep.so"), "dlerror: %s", e ? e : "(null)");
        printf("%s: dlopen(libsbxdep.so) fails\n", who);
        return;
    }
    int (*value)(void) = (int (*)(void))dlsym(h, "sbx_dep_value");
    tls_addr = (int *(*)(void))dlsym(h, "sbx_dep_tls_addr");
    CHECK(value && tls_addr, "dlsym in libsbxdep.so: %s", dlerror());
    printf("%s: dlopen(libsbxdep.so) through LD_LIBRARY_PATH: sbx_dep_value() = %d\n", who, value());
    int *mine = tls_addr();
    CHECK(*mine == 5, "sbx_dep_tls starts at %d", *mine);
    *mine = 6;
    pthread_t t;
    void *ret;
    PT(pthread_create(&t, NULL, thread, NULL));
    PT(pthread_join(t, &ret));
    CHECK(ret == NULL, "%s", (const char *)ret);
    CHECK(*mine == 6, "another thread changed this thread's sbx_dep_tls to %d", *mine);
    printf("%s: the library's thread-local variable is each thread's own\n", who);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "exec'd") == 0) {
        report("after exec");
        return 0;
    }
    report("first image");
    fflush(stdout);
    execl(argv[0], argv[0], "exec'd", (char *)NULL);
    FAIL("execl: %s", errname(errno));
}
