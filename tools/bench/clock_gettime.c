/* clock_gettime(CLOCK_MONOTONIC) through libc, timed in a loop: the vDSO
 * answers without entering the kernel, natively the host's and in the
 * sandbox the sandbox's own (which calls the host's).
 *
 * Usage: clock_gettime ITERATIONS
 * Prints "ns_per_op N" (nanoseconds per call), after a short untimed
 * warm-up (see bench_loop in bench.h).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"

static int read_clock(void *unused)
{
	struct timespec t;
	(void)unused;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return 0;
}

int main(int argc, char **argv)
{
	long iters = bench_iterations(argc, argv, 1, "clock_gettime ITERATIONS");
	return bench_loop(iters, 10000, read_clock, NULL);
}
