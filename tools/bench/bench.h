/* What the timing programs of sandbox-bench share: reading the clock, the
 * iteration count argument, the timing loop and the one line of output
 * sandbox-bench reads, "ns_per_op N".
 *
 * Include it before anything else: it defines _GNU_SOURCE. sandbox-bench
 * embeds it with the programs and writes it next to them before compiling
 * them with `gcc -O2 -static`. */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC now, in nanoseconds; exits 1 if it cannot be read. */
static inline long long bench_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The iteration count, argv[1]. Exits 2 after printing "usage: USAGE" if
 * there are fewer than `nargs` arguments or the count is not positive. */
static inline long bench_iterations(int argc, char **argv, int nargs, const char *usage)
{
	long iters = argc > nargs ? atol(argv[1]) : 0;
	if (iters <= 0) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
	return iters;
}

/* Prints the result line sandbox-bench reads; returns main's exit status. */
static inline int bench_report(double ns_per_op)
{
	printf("ns_per_op %.2f\n", ns_per_op);
	return 0;
}

/* The timing loop: calls `op(arg)` min(iters / 10, warm_max) times untimed,
 * so that lazy setup and any adaptive waiting in the sandbox settle, then
 * `iters` times between two readings of the clock, and reports the time per
 * call. `op` returns 0, or non-zero to stop the run (it says why on stderr).
 * Returns main's exit status: 0, or 1 if `op` stopped the run. Always
 * inlined, so that `op` is inlined into the loop and the loop times only it. */
static inline __attribute__((always_inline)) int
bench_loop(long iters, long warm_max, int (*op)(void *), void *arg)
{
	long warm = iters / 10 < warm_max ? iters / 10 : warm_max;
	for (long i = 0; i < warm; i++)
		if (op(arg) != 0)
			return 1;
	long long start = bench_now_ns();
	for (long i = 0; i < iters; i++)
		if (op(arg) != 0)
			return 1;
	long long end = bench_now_ns();
	return bench_report((double)(end - start) / (double)iters);
}

#endif
