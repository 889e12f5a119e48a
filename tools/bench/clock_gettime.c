/* clock_gettime(CLOCK_MONOTONIC) through libc, timed in a loop: natively
 * the vDSO answers without entering the kernel; in the sandbox (whose apps
 * get no vDSO) every call is a system call served by the sentry.
 *
 * Usage: clock_gettime ITERATIONS
 * Prints "ns_per_op N" (nanoseconds per call, CLOCK_MONOTONIC around the
 * loop). A short untimed warm-up runs first so that lazy setup and any
 * adaptive waiting in the sandbox settle before the clock starts.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 0;
	if (iters <= 0) {
		fprintf(stderr, "usage: clock_gettime ITERATIONS\n");
		return 2;
	}

	struct timespec t;
	long warm = iters / 10 < 10000 ? iters / 10 : 10000;
	for (long i = 0; i < warm; i++)
		clock_gettime(CLOCK_MONOTONIC, &t);

	struct timespec a, b;
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
		perror("clock_gettime");
		return 1;
	}
	for (long i = 0; i < iters; i++)
		clock_gettime(CLOCK_MONOTONIC, &t);
	if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
		perror("clock_gettime");
		return 1;
	}

	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_op %.2f\n", ns / (double)iters);
	return 0;
}
