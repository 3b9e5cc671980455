/* SPDX-License-Identifier: MIT */
/* fuzz_session.c - one whole socks4-server session, driven in-process.
 *
 * Input: a mode byte, then the bytes a client sends. The server (detached:
 * no listener, no threads) serves one end of a socketpair; the other end
 * holds the input and is shut for writing, so the session never waits. The
 * network is replaced (s4srv_hooks): a CONNECT gets a socketpair whose far
 * end says HELLO and closes (or the dial is refused, by mode), and a SOCKS4a
 * name resolves only when it is "localhost" or an IPv4 literal. So the
 * server's own request handling, policy and reply paths are fuzzed, not
 * only lib/, with no real network.
 *
 * Mode byte: bit 0 --no-4a; bit 1 rules (deny "mallory", deny port 23,
 * permit the rest); bit 2 the dial is refused.
 *
 * Checked: what the client receives is nothing, or one reply of exactly 8
 * bytes with VN=0 and CD 90 or 91 (identd is off); after anything but 90,
 * nothing follows; after 90 only (a prefix of) the destination's HELLO. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "server.h"
#include "socks4.h"

#define HELLO "HELLO"

static const char rules_text[] = "deny *=mallory 0.0.0.0 0.0.0.0\n"
                                 "deny 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 eq 23\n"
                                 "permit 0.0.0.0 0.0.0.0\n";

static int dial(void *arg, uint32_t ip, uint16_t port, int timeout_ms, int *fd, char *err,
                size_t errlen)
{
	int refuse = *(const int *)arg;
	int sv[2];
	(void)ip;
	(void)port;
	(void)timeout_ms;
	if (refuse || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "connect: Connection refused");
		errno = ECONNREFUSED;
		return -1;
	}
	ssize_t w = write(sv[0], HELLO, strlen(HELLO));
	(void)w;
	close(sv[0]);
	*fd = sv[1];
	return 0;
}

static int resolve(void *arg, const char *name, int timeout_ms, uint32_t *addrs, size_t max,
                   size_t *n, char *err, size_t errlen)
{
	struct in_addr a;
	(void)arg;
	(void)timeout_ms;
	(void)max;
	if (strcmp(name, "localhost") == 0) {
		addrs[0] = INADDR_LOOPBACK;
	} else if (inet_pton(AF_INET, name, &a) == 1) {
		addrs[0] = ntohl(a.s_addr);
	} else {
		snprintf(err, errlen, "resolve %s: Name or service not known", name);
		errno = ENOENT;
		return -1;
	}
	*n = 1;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 16384)
		return 0;
	static int once;
	if (!once++)
		LLVMFuzzerInitialize(NULL, NULL); /* the replay driver does not call it */
	uint8_t mode = data[0];
	int refuse = (mode >> 2) & 1;
	struct s4srv_hooks hooks = {.dial = dial, .resolve = resolve, .arg = &refuse};
	struct s4srv_config cfg;
	char err[256];
	s4srv_config_defaults(&cfg);
	cfg.no_4a = mode & 1;
	cfg.open = 1;
	cfg.hooks = &hooks;
	cfg.log_fd = -1;
	cfg.handshake_timeout_ms = 1000; /* never reached: the input is all there */
	if (mode & 2)
		cfg.rules = rules_parse(rules_text, sizeof(rules_text) - 1, "fuzz", 0, err,
		                        sizeof(err));
	struct s4srv *srv = s4srv_detached(&cfg, err, sizeof(err));
	FUZZ_CHECK(srv != NULL, "%s", err);

	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	uint8_t *in = fuzz_dup(data + 1, size - 1);
	FUZZ_CHECK(write(sv[0], in, size - 1) == (ssize_t)(size - 1), "write the input");
	free(in);
	shutdown(sv[0], SHUT_WR);
	s4srv_serve_fd(srv, sv[1]); /* closes sv[1] */
	s4srv_stop(srv, 0);

	uint8_t out[64];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(out) && (r = read(sv[0], out + n, sizeof(out) - n)) > 0)
		n += (size_t)r;
	close(sv[0]);
	if (n == 0)
		return 0;
	struct s4_reply rep;
	FUZZ_CHECK(n >= S4_REPLY_LEN, "a reply of %zu bytes", n);
	FUZZ_CHECK(s4_parse_reply(out, n, &rep) == S4_REPLY_LEN, "reply VN=%u", out[0]);
	FUZZ_CHECK(rep.cd == S4_REP_GRANTED || rep.cd == S4_REP_REJECTED, "reply code %u", rep.cd);
	if (rep.cd != S4_REP_GRANTED)
		FUZZ_CHECK(n == S4_REPLY_LEN, "%zu bytes after a %u", n - S4_REPLY_LEN, rep.cd);
	/* After 90: what the destination said, or its beginning (it closes at
	 * once, so bytes sent behind the request may end the relay with EPIPE). */
	else
		FUZZ_CHECK(n - S4_REPLY_LEN <= strlen(HELLO) &&
		                   memcmp(out + S4_REPLY_LEN, HELLO, n - S4_REPLY_LEN) == 0,
		           "after 90: %zu bytes, not the destination's", n - S4_REPLY_LEN);
	return 0;
}
