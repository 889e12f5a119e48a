/* fork + execve + waitpid: the cost of starting a program from a program.
 *
 * Usage: spawn ITERATIONS PROGRAM
 * Each iteration forks; the child execve()s PROGRAM (a static `true`: it
 * must exit 0) with no arguments but its name and the environment; the
 * parent waitpid()s for it. Prints "ns_per_op N" (nanoseconds per
 * iteration), after a short untimed warm-up (see bench_loop in bench.h).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Runs `prog` (a `const char *`) to its exit; non-zero if that failed. */
static int spawn(void *prog_arg)
{
	const char *prog = prog_arg;
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
	long iters = bench_iterations(argc, argv, 2, "spawn ITERATIONS PROGRAM");
	return bench_loop(iters, 5, spawn, argv[2]);
}
