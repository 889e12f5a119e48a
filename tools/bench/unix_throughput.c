/* Unix stream throughput: a parent writes WRITES buffers of 64 KiB into a
 * socketpair, a child reads them all (in reads of 64 KiB) until EOF.
 * WRITES = 16384 moves 1 GiB.
 *
 * Usage: unix_throughput WRITES
 * Prints "ns_per_op N": nanoseconds per 64 KiB moved, from the first write
 * to the reader's end (so lower is faster; 1 GiB/s is about 61035 ns), and
 * "mb_per_s N" for reading.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHUNK = 64 * 1024 };

static char buf[CHUNK];

int main(int argc, char **argv)
{
	long writes = bench_iterations(argc, argv, 1, "unix_throughput WRITES");
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("socketpair");
		return 1;
	}
	memset(buf, 0x5a, sizeof buf);
	long long start = bench_now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		long long total = 0;
		for (;;) {
			ssize_t n = read(sv[1], buf, sizeof buf);
			if (n < 0) {
				perror("read");
				_exit(1);
			}
			if (n == 0)
				break;
			total += n;
		}
		_exit(total == (long long)writes * CHUNK ? 0 : 3);
	}
	close(sv[1]);
	for (long i = 0; i < writes; i++) {
		size_t off = 0;
		while (off < sizeof buf) {
			ssize_t n = write(sv[0], buf + off, sizeof buf - off);
			if (n < 0) {
				perror("write");
				return 1;
			}
			off += (size_t)n;
		}
	}
	close(sv[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the reader failed (status %#x)\n", status);
		return 1;
	}
	long long elapsed = bench_now_ns() - start;
	printf("mb_per_s %.0f\n", (double)writes * CHUNK / ((double)elapsed / 1e9) / 1e6);
	return bench_report((double)elapsed / (double)writes);
}
