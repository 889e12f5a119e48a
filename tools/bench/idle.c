/* Idle: a program blocked in read(0) on a pipe nobody writes to.
 *
 * Prints "idle ready" once it is about to block, then does one blocking
 * read(0, buf, 1). sandbox-bench holds the pipe open and silent while it
 * samples the CPU time of the whole process tree (for the sandbox: the
 * sentry and its stub processes), then closes it: the read returns 0 (EOF),
 * the program prints "idle eof" and exits 0. Any other outcome of the read
 * is an error (exit 2), so a sandbox that returns from it early is caught.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int say(const char *s)
{
	size_t n = strlen(s);
	return write(1, s, n) == (ssize_t)n ? 0 : -1;
}

int main(void)
{
	char c;
	ssize_t n;

	if (say("idle ready\n") != 0)
		return 1;
	n = read(0, &c, 1);
	if (n != 0) {
		fprintf(stderr, "idle: read(0) returned %zd (%s), expected 0 (EOF)\n", n,
			n < 0 ? strerror(errno) : "data");
		return 2;
	}
	return say("idle eof\n") == 0 ? 0 : 1;
}
