/* Signal latency to a process that spins in app code (no system calls):
 * the time from kill() in the parent to the first instruction of the
 * child's handler, which reports the time it runs through a pipe.
 *
 * Usage: signal_latency ROUNDS
 * Prints "ns_per_op N": the longest latency of the ROUNDS signals, in
 * nanoseconds (CLOCK_MONOTONIC, read on both sides of one machine).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int report;

static void handler(int sig)
{
	(void)sig;
	long long t = bench_now_ns();
	if (write(report, &t, sizeof t) != sizeof t)
		_exit(3);
}

int main(int argc, char **argv)
{
	long rounds = bench_iterations(argc, argv, 1, "signal_latency ROUNDS");
	int p[2];
	if (pipe(p) != 0)
		return 1;
	report = p[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		char ready = 'r';
		if (write(report, &ready, 1) != 1)
			_exit(3);
		for (volatile unsigned long spin = 0;; spin++)
			;
	}
	char ready;
	if (read(p[0], &ready, 1) != 1)
		return 1;
	long long worst = 0;
	for (long i = 0; i < rounds; i++) {
		long long sent = bench_now_ns(), ran;
		kill(child, SIGUSR1);
		if (read(p[0], &ran, sizeof ran) != sizeof ran)
			return 1;
		if (ran - sent > worst)
			worst = ran - sent;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return bench_report((double)worst);
}
