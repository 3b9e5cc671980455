/* SPDX-License-Identifier: MIT */
/* cases/relay.c - after the 90: "the client can then use the connection as
 * if it were directly connected to the application server". Byte-exact both
 * ways, end of file passed through each way, the destination free to speak
 * first. Each case drives its own destination. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

/* A granted CONNECT to a destination of this case's own; *d is the
 * destination's end. Returns the client's fd or -1 (Actual set). */
static int open_relay(struct ctx *c, int *d)
{
	uint16_t port;
	uint8_t req[S4_REQUEST_MAX];
	struct got g;
	int l = d_listen(c, 8, &port);
	if (l < 0) {
		runner_trouble(c, "could not open a destination");
		return -1;
	}
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, port, dest_ip(c), u, strlen(u), NULL,
	                     0);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0 || expect_grant(c, fd, &g) != V_PASS)
		return -1;
	*d = d_accept(c, l, case_timeout_ms(c));
	if (*d < 0) {
		fail(c, "90, but the destination saw no connection");
		return -1;
	}
	return fd;
}

/* S4-CONNECT-6: "the SOCKS server gets ready to relay traffic on both
 * directions." */
static enum verdict both_ways(struct ctx *c)
{
	int d, fd = open_relay(c, &d);
	uint8_t buf[16];
	if (fd < 0)
		return V_FAIL;
	if (t_send(c, fd, "to-destination", 14) < 0 ||
	    t_read_exact(c, d, buf, 14, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "to-destination", 14) != 0)
		return fail(c, "the destination got other bytes");
	if (t_send(c, d, "to-client", 9) < 0 || t_read_exact(c, fd, buf, 9, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "to-client", 9) != 0)
		return fail(c, "the client got other bytes");
	return pass(c, "bytes crossed both ways");
}

/* S4-CONNECT-7: byte-exact: every octet value, request-looking bytes too. */
static enum verdict binary(struct ctx *c)
{
	int d, fd = open_relay(c, &d);
	uint8_t all[512], back[512];
	if (fd < 0)
		return V_FAIL;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	/* a request and a reply, as data */
	static const uint8_t lookalike[] = {4, 1,    0, 80, 127, 0, 0, 1, 0,
	                                    0, 0x5a, 0, 0,  0,   0, 0, 0};
	memcpy(all + 256, lookalike, sizeof(lookalike));
	memset(all + 256 + sizeof(lookalike), 0, sizeof(all) - 256 - sizeof(lookalike));
	if (t_send(c, fd, all, sizeof(all)) < 0 ||
	    t_read_exact(c, d, back, sizeof(back), case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(all, back, sizeof(all)) != 0)
		return fail(c, "client to destination: the bytes changed");
	if (t_send(c, d, all, sizeof(all)) < 0 ||
	    t_read_exact(c, fd, back, sizeof(back), case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(all, back, sizeof(all)) != 0)
		return fail(c, "destination to client: the bytes changed");
	return pass(c, "all 256 byte values and SOCKS-looking bytes unchanged both ways");
}

/* Bulk data both ways at once; the destination echoes, the client reads
 * while it writes, and the two streams must be equal. */
struct writer {
	struct ctx *c;
	int fd;
	const uint8_t *buf;
	size_t n;
	int rc;
};

static void *write_main(void *arg)
{
	struct writer *w = arg;
	w->rc = t_send(w->c, w->fd, w->buf, w->n);
	return NULL;
}

/* S4-CONNECT-7: "large random data both ways with equal hashes". */
static enum verdict bulk(struct ctx *c)
{
	size_t n = relay_bytes(c);
	uint8_t *out = t_alloc(c, n), *in = t_alloc(c, n);
	int d, fd = open_relay(c, &d);
	if (fd < 0)
		return V_FAIL;
	fill_pattern(out, n, 7);
	d_echo_start(c, d);
	struct writer w = {c, fd, out, n, 0};
	pthread_t tid;
	pthread_create(&tid, NULL, write_main, &w);
	int rc = t_read_exact(c, fd, in, n, case_timeout_ms(c) * 4);
	pthread_join(tid, NULL);
	if (w.rc < 0 || rc < 0)
		return V_FAIL;
	if (memcmp(in, out, n) != 0)
		return fail(c, "%zu bytes went each way, but they differ", n);
	return pass(c, "%zu bytes each way, equal", n);
}

/* S4-CONNECT-7 (DER: a half-close should propagate): the client ends its
 * side; the destination sees end of file and can still answer. */
static enum verdict half_close_client(struct ctx *c)
{
	int d, fd = open_relay(c, &d);
	uint8_t buf[8];
	if (fd < 0)
		return V_FAIL;
	if (t_send(c, fd, "last", 4) < 0)
		return V_FAIL;
	t_shutdown_write(c, fd);
	if (t_read_exact(c, d, buf, 4, case_timeout_ms(c)) < 0)
		return V_FAIL;
	expect(c, "the destination gets the bytes then end of file, and its answer still reaches "
	          "the client");
	if (!t_expect_close(c, d, case_timeout_ms(c)))
		return fail(c,
		            "the destination did not see end of file after the client's shutdown");
	if (t_send(c, d, "reply", 5) < 0 || t_read_exact(c, fd, buf, 5, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "reply", 5) != 0)
		return fail(c, "the client got other bytes");
	return pass(c, "end of file passed to the destination; the other direction still works");
}

/* ... and the other way round. */
static enum verdict half_close_destination(struct ctx *c)
{
	int d, fd = open_relay(c, &d);
	uint8_t buf[8];
	if (fd < 0)
		return V_FAIL;
	if (t_send(c, d, "bye!", 4) < 0)
		return V_FAIL;
	t_shutdown_write(c, d);
	if (t_read_exact(c, fd, buf, 4, case_timeout_ms(c)) < 0)
		return V_FAIL;
	expect(c, "the client gets the bytes then end of file, and can still send");
	if (!t_expect_close(c, fd, case_timeout_ms(c)))
		return fail(c,
		            "the client did not see end of file after the destination's shutdown");
	if (t_send(c, fd, "more", 4) < 0 || t_read_exact(c, d, buf, 4, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "more", 4) != 0)
		return fail(c, "the destination got other bytes");
	return pass(c, "end of file passed to the client; the other direction still works");
}

/* The destination speaks first (a banner), before the client sends a byte. */
static enum verdict destination_first(struct ctx *c)
{
	int d, fd = open_relay(c, &d);
	uint8_t buf[16];
	if (fd < 0)
		return V_FAIL;
	if (t_send(c, d, "220 ready\r\n", 11) < 0 ||
	    t_read_exact(c, fd, buf, 11, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(buf, "220 ready\r\n", 11) != 0)
		return fail(c, "the client got other bytes");
	return pass(c, "the banner reached the client before it sent anything");
}

/* Reads what `from` delivers until it ends (end of file or reset), within the
 * case timeout: every byte must be a prefix of want (a reset may cut it short,
 * RFC 9293 3.10.7.3 lets it flush queued data, but never change it).
 * Returns the bytes that came, or -1 (Actual set) when the connection stayed
 * open or delivered other bytes. */
static long until_end(struct ctx *c, int from, const char *want, size_t n)
{
	size_t got = 0;
	uint8_t tmp[64];
	for (int reads = 0; reads < 64; reads++) {
		size_t k;
		if (!t_read_any(c, from, tmp, sizeof(tmp), case_timeout_ms(c), &k)) {
			fail(c, "the connection was still open %d ms later", case_timeout_ms(c));
			return -1;
		}
		if (k == 0)
			return (long)got; /* end of file or reset */
		if (got + k > n || memcmp(tmp, want + got, k) != 0) {
			fail(c, "bytes that were never sent arrived");
			return -1;
		}
		got += k;
	}
	fail(c, "more bytes than were sent");
	return -1;
}

/* One side ends the relayed connection, after 5 bytes: with an orderly close
 * (close(2), a FIN: nothing is left unread) the other side must get the 5
 * bytes, then its connection ends (S4-CONNECT-7). With a reset, RFC 9293
 * 3.10.7.3 lets the reset flush what was queued: only the end is required,
 * after any prefix of the bytes. */
static enum verdict side_ends(struct ctx *c, int client_side, int orderly)
{
	static const char bytes[] = "adieu";
	const char *who = client_side ? "client" : "destination";
	const char *other = client_side ? "destination" : "client";
	int d, fd = open_relay(c, &d);
	if (fd < 0)
		return V_FAIL;
	int from = client_side ? fd : d, to = client_side ? d : fd;
	if (t_send(c, from, bytes, 5) < 0)
		return V_FAIL;
	if (orderly)
		t_close(c, from);
	else
		t_reset(c, from);
	long got = until_end(c, to, bytes, 5);
	if (got < 0)
		return V_FAIL;
	if (orderly && got < 5)
		return fail(c, "only %ld of the 5 bytes sent before the %s's close", got, who);
	return pass(c, "the %s's connection ended after %ld of the 5 bytes", other, got);
}

static enum verdict destination_closes(struct ctx *c)
{
	return side_ends(c, 0, 1);
}
static enum verdict destination_resets(struct ctx *c)
{
	return side_ends(c, 0, 0);
}
static enum verdict client_closes(struct ctx *c)
{
	return side_ends(c, 1, 1);
}
static enum verdict client_resets(struct ctx *c)
{
	return side_ends(c, 1, 0);
}

static const struct s4case cases[] = {
        {"relay/both-ways", "S4-CONNECT-6", LEVEL_MUST, "bytes are relayed in both directions",
         "each side gets exactly what the other sent", NEED_GRANT, 0, both_ways},
        {"relay/binary", "S4-CONNECT-7", LEVEL_MUST,
         "every byte value passes unchanged, SOCKS-looking bytes too",
         "512 bytes each way, unchanged", NEED_GRANT, 0, binary},
        {"relay/bulk", "S4-CONNECT-7", LEVEL_MUST,
         "bulk random data both ways at once arrives equal",
         "the same bytes back (see --relay-bytes)", NEED_GRANT, 0, bulk},
        {"relay/half-close/client", "S4-CONNECT-7", LEVEL_SHOULD,
         "the client's shutdown reaches the destination; the other way stays open", NULL, NEED_GRANT, 0,
         half_close_client},
        {"relay/half-close/destination", "S4-CONNECT-7", LEVEL_SHOULD,
         "the destination's shutdown reaches the client; the other way stays open", NULL, NEED_GRANT, 0,
         half_close_destination},
        {"relay/destination-first", "S4-CONNECT-6", LEVEL_MUST,
         "data from the destination before the client speaks is relayed",
         "the destination's banner reaches the client", NEED_GRANT, 0, destination_first},
        {"relay/close/destination", "S4-CONNECT-7", LEVEL_MUST,
         "the destination's close reaches the client after its last bytes",
         "the 5 bytes sent before the close, then the connection ends (FIN or reset)", NEED_GRANT, 0,
         destination_closes},
        {"relay/close/client", "S4-CONNECT-7", LEVEL_MUST,
         "the client's close reaches the destination after its last bytes",
         "the 5 bytes sent before the close, then the connection ends (FIN or reset)", NEED_GRANT, 0,
         client_closes},
        {"relay/reset/destination", "S4-CONNECT-7", LEVEL_MUST,
         "when the destination resets, the client's connection ends",
         "the connection ends; a prefix of the bytes sent before may arrive (a reset may "
         "flush them)",
         NEED_GRANT, F_DESTRUCTIVE, destination_resets},
        {"relay/reset/client", "S4-CONNECT-7", LEVEL_MUST,
         "when the client resets, the destination's connection ends",
         "the connection ends; a prefix of the bytes sent before may arrive (a reset may "
         "flush them)",
         NEED_GRANT, F_DESTRUCTIVE, client_resets},
};

const struct case_table cases_relay = {cases, sizeof(cases) / sizeof(cases[0])};
