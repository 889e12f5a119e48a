/* TCP loopback round trip: a parent and a forked child joined by one TCP
 * connection on 127.0.0.1 (TCP_NODELAY on both ends) play ping-pong with
 * one byte: the parent writes it, the child reads it and writes it back,
 * the parent reads it.
 *
 * Usage: tcp_rtt ROUNDS
 * Prints "ns_per_op N": nanoseconds per round trip.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include "bench.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int conn;

static int nodelay(int fd)
{
	int one = 1;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* One round trip, from the parent's end. */
static int ping(void *unused)
{
	(void)unused;
	char b = 'p';
	if (write(conn, &b, 1) != 1 || read(conn, &b, 1) != 1) {
		perror("tcp_rtt: ping");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long rounds = bench_iterations(argc, argv, 1, "tcp_rtt ROUNDS");
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) != 0) {
		perror("tcp_rtt: listen");
		return 1;
	}
	pid_t child = fork();
	if (child < 0) {
		perror("tcp_rtt: fork");
		return 1;
	}
	if (child == 0) {
		close(l);
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0 || nodelay(c) != 0)
			_exit(3);
		char b;
		/* Echo until the parent closes its end. */
		while (read(c, &b, 1) == 1)
			if (write(c, &b, 1) != 1)
				_exit(3);
		_exit(0);
	}
	conn = accept(l, NULL, NULL);
	if (conn < 0 || nodelay(conn) != 0) {
		perror("tcp_rtt: accept");
		return 1;
	}
	int status = bench_loop(rounds, 1000, ping, NULL);
	close(conn);
	int st;
	waitpid(child, &st, 0);
	if (status == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		fprintf(stderr, "tcp_rtt: the echoing child failed\n");
		return 1;
	}
	return status;
}
