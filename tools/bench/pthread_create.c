/* Thread turnover: pthread_create of a thread that returns at once, then
 * pthread_join, in a loop.
 *
 * Usage: pthread_create ITERATIONS
 * Prints "ns_per_op N": nanoseconds per create+join.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <pthread.h>

static void *noop(void *arg)
{
	return arg;
}

static int create_and_join(void *unused)
{
	pthread_t t;
	(void)unused;
	if (pthread_create(&t, NULL, noop, NULL) != 0 || pthread_join(t, NULL) != 0) {
		perror("pthread_create/join");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long iters = bench_iterations(argc, argv, 1, "pthread_create ITERATIONS");
	return bench_loop(iters, 0, create_and_join, NULL);
}
