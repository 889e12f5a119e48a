/* Non-fatal checks for the conformance test programs (with check.h).
 *
 * SOFT_ERRNO is EXPECT_ERRNO that goes on after a mismatch, printing a
 * "MISMATCH ..." line instead of exiting, so that one wrong errno does not
 * hide the rest of a test. Call SOFT_DONE() before the program's end: it
 * fails (exit 1) if there was any mismatch. */
#ifndef SBX_SOFT_H
#define SBX_SOFT_H

#include "check.h"

static int soft_failures;

#define SOFT_ERRNO(what, err, expr)                                      \
    do {                                                                 \
        errno = 0;                                                       \
        long soft_ret_ = (long)(expr);                                   \
        int soft_errno_ = errno;                                         \
        if (soft_ret_ != -1 || soft_errno_ != (err)) {                   \
            printf("MISMATCH %s: expected -1/%s, got %ld/", (what),      \
                   errname(err), soft_ret_);                             \
            printf("%s\n", errname(soft_errno_));                        \
            fprintf(stderr, "MISMATCH %s\n", (what));                    \
            soft_failures++;                                             \
        } else {                                                         \
            printf("ok %s: %s\n", (what), errname(err));                 \
        }                                                                \
    } while (0)

#define SOFT_DONE()                                                      \
    do {                                                                 \
        if (soft_failures)                                               \
            FAIL("%d errno mismatch(es), see MISMATCH lines", soft_failures); \
    } while (0)

#endif
