/* Futex ping-pong between two threads: each round, one thread hands the
 * turn to the other and sleeps on a futex until it comes back.
 *
 * Usage: futex_pingpong ROUNDS
 * Prints "ns_per_op N": nanoseconds per round (two hand-offs).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static _Atomic int turn;
static long rounds;

static void wait_while(int v)
{
	while (atomic_load(&turn) == v)
		syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void give(int v)
{
	atomic_store(&turn, v);
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *other(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		wait_while(0);
		give(0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atol(argv[1]) : 0;
	if (rounds <= 0) {
		fprintf(stderr, "usage: futex_pingpong ROUNDS\n");
		return 2;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, other, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < rounds; i++) {
		give(1);
		wait_while(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_op %.2f\n", ns / (double)rounds);
	return 0;
}
