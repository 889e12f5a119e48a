/* fork + execve + waitpid: the cost of starting a program from a program.
 *
 * Usage: spawn ITERATIONS PROGRAM
 * Each iteration forks; the child execve()s PROGRAM (a static `true`: it
 * must exit 0) with no arguments but its name and the environment; the
 * parent waitpid()s for it. Prints "ns_per_op N" (nanoseconds per
 * iteration, CLOCK_MONOTONIC around the loop). A short untimed warm-up runs
 * first. Built by sandbox-bench with `gcc -O2 -static`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int spawn(const char *prog)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		char *argv[] = {(char *)prog, NULL};
		execve(prog, argv, environ);
		perror("execve");
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("waitpid");
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "spawn: %s ended with status %#x\n", prog, st);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[1]) : 0;
	if (iters <= 0) {
		fprintf(stderr, "usage: spawn ITERATIONS PROGRAM\n");
		return 2;
	}
	const char *prog = argv[2];

	long warm = iters / 10 < 5 ? iters / 10 : 5;
	for (long i = 0; i < warm; i++)
		if (spawn(prog) != 0)
			return 1;

	struct timespec a, b;
	if (clock_gettime(CLOCK_MONOTONIC, &a) != 0) {
		perror("clock_gettime");
		return 1;
	}
	for (long i = 0; i < iters; i++)
		if (spawn(prog) != 0)
			return 1;
	if (clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
		perror("clock_gettime");
		return 1;
	}

	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("ns_per_op %.2f\n", ns / (double)iters);
	return 0;
}
