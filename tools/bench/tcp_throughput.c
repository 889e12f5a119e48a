/* TCP loopback throughput: a forked child writes ROUNDS blocks of 64 KiB
 * into a TCP connection on 127.0.0.1, and the parent reads them all (in
 * reads of 64 KiB) and checks that every byte came.
 *
 * Usage: tcp_throughput ROUNDS
 * Prints "ns_per_op N": nanoseconds per 64 KiB block, from the connection's
 * accept to the last byte read (16384 rounds move 1 GiB).
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (64 << 10)

static char buf[BLOCK];

int main(int argc, char **argv)
{
	long rounds = bench_iterations(argc, argv, 1, "tcp_throughput ROUNDS");
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) != 0) {
		perror("tcp_throughput: listen");
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("tcp_throughput: fork");
		return 1;
	}
	if (child == 0) {
		close(l);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0)
			_exit(3);
		memset(buf, 'x', sizeof buf);
		for (long i = 0; i < rounds; i++)
			for (size_t done = 0; done < BLOCK;) {
				ssize_t n = write(c, buf + done, BLOCK - done);
				if (n <= 0)
					_exit(3);
				done += (size_t)n;
			}
		_exit(close(c) == 0 ? 0 : 3);
	}
	int conn = accept(l, NULL, NULL);
	if (conn < 0) {
		perror("tcp_throughput: accept");
		return 1;
	}
	long long start = bench_now_ns(), total = 0;
	for (;;) {
		ssize_t n = read(conn, buf, sizeof buf);
		if (n < 0) {
			perror("tcp_throughput: read");
			return 1;
		}
		if (n == 0)
			break;
		total += n;
	}
	long long end = bench_now_ns();
	int st;
	waitpid(child, &st, 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) || total != (long long)rounds * BLOCK) {
		fprintf(stderr, "tcp_throughput: %lld of %lld bytes came\n", total, (long long)rounds * BLOCK);
		return 1;
	}
	return bench_report((double)(end - start) / (double)rounds);
}
