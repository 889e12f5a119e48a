/* getppid round trip: the cheapest possible system call, timed in a loop.
 *
 * Usage: getppid ITERATIONS
 * Prints "ns_per_op N" (nanoseconds per call), after a short untimed
 * warm-up (see bench_loop in bench.h).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <sys/syscall.h>
#include <unistd.h>

static int call_getppid(void *unused)
{
	(void)unused;
	syscall(SYS_getppid);
	return 0;
}

int main(int argc, char **argv)
{
	long iters = bench_iterations(argc, argv, 1, "getppid ITERATIONS");
	return bench_loop(iters, 10000, call_getppid, NULL);
}
