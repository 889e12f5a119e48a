/* Futex ping-pong between two threads: each round, one thread hands the
 * turn to the other and sleeps on a futex until it comes back.
 *
 * Usage: futex_pingpong ROUNDS
 * Prints "ns_per_op N": nanoseconds per round (two hand-offs).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
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

/* One round, as seen from the main thread. */
static int play_round(void *unused)
{
	(void)unused;
	give(1);
	wait_while(1);
	return 0;
}

int main(int argc, char **argv)
{
	rounds = bench_iterations(argc, argv, 1, "futex_pingpong ROUNDS");
	pthread_t t;
	if (pthread_create(&t, NULL, other, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	/* No warm-up: the other thread plays exactly `rounds` rounds. */
	int status = bench_loop(rounds, 0, play_round, NULL);
	pthread_join(t, NULL);
	return status;
}
