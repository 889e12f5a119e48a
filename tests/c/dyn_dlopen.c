/* dlopen and dlsym in a dynamically linked program: libm.so.6 loaded at
 * run time, cos() called through the pointer dlsym gives, the same handle
 * for a second dlopen, RTLD_NOLOAD, dlerror for a missing symbol and a
 * missing library, dladdr naming the library a symbol lives in, dlclose. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <math.h>
#include <string.h>
#include "check.h"

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int main(void)
{
    CHECK(dlopen("libm.so.6", RTLD_NOW | RTLD_NOLOAD) == NULL, "libm is loaded before dlopen");
    OK("libm not loaded at start");

    void *m = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    CHECK(m != NULL, "dlopen(libm.so.6): %s", dlerror());
    OK("dlopen libm.so.6");

    double (*cosp)(double) = (double (*)(double))dlsym(m, "cos");
    CHECK(cosp != NULL, "dlsym(cos): %s", dlerror());
    CHECK(cosp(0.0) == 1.0, "cos(0) = %g", cosp(0.0));
    CHECK(fabs(cosp(M_PI) + 1.0) < 1e-12, "cos(pi) = %.17g", cosp(M_PI));
    CHECK(fabs(cosp(M_PI / 3) - 0.5) < 1e-12, "cos(pi/3) = %.17g", cosp(M_PI / 3));
    OK("cos through dlsym: cos(0) = %g, cos(pi) = %g, cos(pi/3) = %.6f", cosp(0.0), cosp(M_PI), cosp(M_PI / 3));

    Dl_info info;
    CHECK(dladdr((void *)cosp, &info) != 0, "dladdr(cos)");
    CHECK(info.dli_fname != NULL, "dladdr: no file name");
    OK("dladdr(cos): in %s", base(info.dli_fname));

    struct link_map *lm = NULL;
    CHECK(dlinfo(m, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL, "dlinfo: %s", dlerror());
    CHECK(lm->l_addr != 0, "libm's load address is 0");
    CHECK(lm->l_addr % 4096 == 0, "libm's load address %#lx is not page aligned", (unsigned long)lm->l_addr);
    OK("dlinfo: libm at a non-zero, page-aligned address, named %s", base(lm->l_name));

    void *m2 = dlopen("libm.so.6", RTLD_NOW | RTLD_NOLOAD);
    CHECK(m2 == m, "a second dlopen gave another handle");
    OK("RTLD_NOLOAD finds the same handle");
    CHECK(dlclose(m2) == 0, "dlclose: %s", dlerror());

    dlerror();
    CHECK(dlsym(m, "sbx_no_such_symbol") == NULL, "dlsym of a missing symbol succeeded");
    const char *e = dlerror();
    CHECK(e != NULL && strstr(e, "sbx_no_such_symbol") != NULL, "dlerror: %s", e ? e : "(null)");
    OK("dlsym of a missing symbol fails, and dlerror names it");
    CHECK(dlerror() == NULL, "dlerror not cleared");
    OK("dlerror cleared after reading");

    CHECK(dlopen("libsbx-does-not-exist.so", RTLD_NOW) == NULL, "dlopen of a missing library succeeded");
    e = dlerror();
    CHECK(e != NULL && strstr(e, "libsbx-does-not-exist.so") != NULL, "dlerror: %s", e ? e : "(null)");
    CHECK(strstr(e, "No such file or directory") != NULL, "dlerror: %s", e);
    OK("dlopen of a missing library: %s", e);

    /* The C library's own symbols through the default scope. */
    size_t (*strlenp)(const char *) = (size_t (*)(const char *))dlsym(RTLD_DEFAULT, "strlen");
    CHECK(strlenp != NULL && strlenp("hello") == 5, "strlen through RTLD_DEFAULT");
    OK("dlsym(RTLD_DEFAULT, strlen) works");

    CHECK(dlclose(m) == 0, "dlclose: %s", dlerror());
    OK("dlclose");
    return 0;
}
