/* Idle: a program blocked in read(0) on a pipe nobody writes to, or
 * (`idle sleep`) first asleep in one nanosleep of SLEEP_S seconds.
 *
 * Prints "idle ready" once it is about to block, then does one blocking
 * read(0, buf, 1). sandbox-bench holds the pipe open and silent while it
 * samples the CPU time of the whole process tree (for the sandbox: the
 * sentry and its stub processes), then closes it: the read returns 0 (EOF),
 * the program prints "idle eof" and exits 0. Any other outcome of the read
 * is an error (exit 2), so a sandbox that returns from it early is caught.
 * With `sleep`, the read comes after the sleep, which outlasts the
 * bench's settle time and window (at most 5.5 s).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sleep of `idle sleep`, in seconds. */
#define SLEEP_S 6

static int say(const char *s)
{
	size_t n = strlen(s);
	return write(1, s, n) == (ssize_t)n ? 0 : -1;
}

int main(int argc, char **argv)
{
	char c;
	ssize_t n;

	if (say("idle ready\n") != 0)
		return 1;
	if (argc > 1 && strcmp(argv[1], "sleep") == 0) {
		struct timespec ts = {SLEEP_S, 0};
		while (nanosleep(&ts, &ts) != 0)
			if (errno != EINTR)
				return 1;
	}
	n = read(0, &c, 1);
	if (n != 0) {
		fprintf(stderr, "idle: read(0) returned %zd (%s), expected 0 (EOF)\n", n,
			n < 0 ? strerror(errno) : "data");
		return 2;
	}
	return say("idle eof\n") == 0 ? 0 : 1;
}
