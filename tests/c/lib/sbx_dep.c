/* A library found through LD_LIBRARY_PATH (built by the test with gcc
 * -shared -fPIC): a function, and a thread-local variable that, in a
 * library loaded by dlopen, lives in dynamic TLS (__tls_get_addr). */
__thread int sbx_dep_tls = 5;

int sbx_dep_value(void)
{
    return 7;
}

int *sbx_dep_tls_addr(void)
{
    return &sbx_dep_tls;
}
