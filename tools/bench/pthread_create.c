/* Thread turnover: pthread_create of a thread that returns at once, then
 * pthread_join, in a loop.
 *
 * Usage: pthread_create ITERATIONS
 * Prints "ns_per_op N": nanoseconds per create+join.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *noop(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 0;
	if (iters <= 0) {
		fprintf(stderr, "usage: pthread_create ITERATIONS\n");
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < iters; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, noop, NULL) != 0 || pthread_join(t, NULL) != 0) {
			perror("pthread_create/join");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_op %.2f\n", ns / (double)iters);
	return 0;
}
