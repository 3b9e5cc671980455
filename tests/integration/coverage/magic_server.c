/* SPDX-License-Identifier: MIT */
/* magic_server.c - a small SOCKS4 server with a crash behind a multi-byte
 * comparison, for tests/integration/test_coverage_fuzz.py: built with
 * afl-clang-fast (laf-intel's comparison splitting on), it shows that
 * socks4-test --fuzz --coverage climbs through the comparison one byte at a
 * time, where blind live fuzzing would need the five bytes at once.
 *
 * One client at a time: the request is read up to the NUL after USERID
 * (bounded); USERID "Zq7!x" crashes the server (a write through a null
 * pointer); a valid CONNECT is granted and relayed until either side
 * closes; anything else gets 91 and a close.
 *
 * usage: magic_server --listen HOST:PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define USERID_MAX 255

static int read_exact(int fd, unsigned char *b, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void reply(int fd, unsigned char cd)
{
	unsigned char r[8] = {0, cd, 0, 0, 0, 0, 0, 0};
	(void)!write(fd, r, sizeof(r));
}

static void check_userid(const char *userid)
{
	if (strcmp(userid, "Zq7!x") == 0) /* the defect: five bytes to find */
		*(volatile int *)0 = 1;
}

static void relay(int a, int b)
{
	unsigned char buf[4096];
	struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
	while (poll(p, 2, 10000) > 0) {
		for (int k = 0; k < 2; k++) {
			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(p[k].fd, buf, sizeof(buf));
			if (n <= 0 || write(p[1 - k].fd, buf, (size_t)n) != n)
				return;
		}
	}
}

static void session(int fd)
{
	unsigned char head[8];
	char userid[USERID_MAX + 1];
	size_t n = 0;
	if (read_exact(fd, head, sizeof(head)) < 0)
		return;
	for (;;) {
		if (n > USERID_MAX || read_exact(fd, (unsigned char *)userid + n, 1) < 0)
			return reply(fd, 91);
		if (userid[n] == '\0')
			break;
		n++;
	}
	check_userid(userid);
	if (head[0] != 4 || head[1] != 1 || (head[4] == 0 && head[5] == 0 && head[6] == 0))
		return reply(fd, 91);
	struct sockaddr_in dst = {.sin_family = AF_INET};
	memcpy(&dst.sin_port, head + 2, 2);
	memcpy(&dst.sin_addr, head + 4, 4);
	int out = socket(AF_INET, SOCK_STREAM, 0);
	if (out < 0 || connect(out, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		reply(fd, 91);
	} else {
		reply(fd, 90);
		relay(fd, out);
	}
	if (out >= 0)
		close(out);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	char host[64];
	unsigned port;
	if (argc != 3 || strcmp(argv[1], "--listen") != 0 ||
	    sscanf(argv[2], "%63[^:]:%u", host, &port) != 2 ||
	    inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "usage: magic_server --listen HOST:PORT\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)port);
	signal(SIGPIPE, SIG_IGN);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 64) < 0) {
		perror("magic_server: listen");
		return 1;
	}
	fprintf(stderr, "magic_server: listening on %s:%u\n", host, port);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		session(c);
		close(c);
	}
}
