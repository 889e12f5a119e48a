/* Shared helpers for the conformance test programs.
 *
 * Every program prints "ok <what>" lines on success and, on failure, a
 * "FAIL ..." line on both stdout and stderr, then exits with status 1.
 * Output must be deterministic: never print pids, addresses, times or
 * host-dependent limits.
 */
#ifndef SBX_CHECK_H
#define SBX_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline const char *errname(int e)
{
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case EDOM: return "EDOM";
    case ERANGE: return "ERANGE";
    case EDEADLK: return "EDEADLK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSOCK: return "ENOTSOCK";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ENOTCONN: return "ENOTCONN";
    case EISCONN: return "EISCONN";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case ENOBUFS: return "ENOBUFS";
    case ETOOMANYREFS: return "ETOOMANYREFS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

#define FAIL(...)                                                        \
    do {                                                                 \
        fflush(stdout);                                                  \
        printf("FAIL %s:%d: ", __FILE__, __LINE__);                      \
        printf(__VA_ARGS__);                                             \
        printf("\n");                                                    \
        fflush(stdout);                                                  \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);             \
        fprintf(stderr, __VA_ARGS__);                                    \
        fprintf(stderr, "\n");                                           \
        exit(1);                                                         \
    } while (0)

/* Asserts `cond`; the message is printf-style. */
#define CHECK(cond, ...)                                                 \
    do {                                                                 \
        if (!(cond)) {                                                   \
            int check_errno_ = errno;                                    \
            fflush(stdout);                                              \
            printf("FAIL %s:%d: (%s) [errno %s] ", __FILE__, __LINE__,   \
                   #cond, errname(check_errno_));                        \
            printf(__VA_ARGS__);                                         \
            printf("\n");                                                \
            fflush(stdout);                                              \
            fprintf(stderr, "FAIL %s:%d: (%s) [errno %s]\n", __FILE__,   \
                    __LINE__, #cond, errname(check_errno_));             \
            exit(1);                                                     \
        }                                                                \
    } while (0)

/* Asserts that `expr` (a call returning -1/errno on failure, evaluated as a
 * long) fails with `err`, and prints "ok <what>: <ERR>". */
#define EXPECT_ERRNO(what, err, expr)                                    \
    do {                                                                 \
        errno = 0;                                                       \
        long expect_ret_ = (long)(expr);                                 \
        int expect_errno_ = errno;                                       \
        if (expect_ret_ != -1 || expect_errno_ != (err))                 \
            FAIL("%s: expected -1/%s, got %ld/%s", (what), errname(err), \
                 expect_ret_, errname(expect_errno_));                   \
        printf("ok %s: %s\n", (what), errname(err));                     \
    } while (0)

/* Prints an "ok" line. */
#define OK(...)                                                          \
    do {                                                                 \
        printf("ok ");                                                   \
        printf(__VA_ARGS__);                                             \
        printf("\n");                                                    \
    } while (0)

/* pthread_* calls return an error number instead of setting errno. */
#define PT(call)                                                         \
    do {                                                                 \
        int pt_err_ = (call);                                            \
        if (pt_err_ != 0)                                                \
            FAIL("%s: %s", #call, errname(pt_err_));                     \
    } while (0)

/* Sleeps `ms` milliseconds, through interruptions. */
static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* CLOCK_MONOTONIC in milliseconds. */
static inline long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

#endif
