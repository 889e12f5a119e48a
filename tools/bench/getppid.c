/* getppid round trip: the cheapest possible system call, timed in a loop.
 *
 * Usage: getppid ITERATIONS
 * Prints "ns_per_op N" (nanoseconds per call, CLOCK_MONOTONIC around the
 * loop). A short untimed warm-up runs first so that lazy setup and any
 * adaptive waiting in the sandbox settle before the clock starts.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 0;
	if (iters <= 0) {
		fprintf(stderr, "usage: getppid ITERATIONS\n");
		return 2;
	}

	long warm = iters / 10 < 10000 ? iters / 10 : 10000;
	for (long i = 0; i < warm; i++)
		syscall(SYS_getppid);

	struct timespec a, b;
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
		perror("clock_gettime");
		return 1;
	}
	for (long i = 0; i < iters; i++)
		syscall(SYS_getppid);
	if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
		perror("clock_gettime");
		return 1;
	}

	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_op %.2f\n", ns / (double)iters);
	return 0;
}
