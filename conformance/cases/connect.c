/* SPDX-License-Identifier: MIT */
/* cases/connect.c - the CONNECT command: when the reply comes, which code,
 * and what happens after it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

/* Sends a CONNECT to ip:port with the default USERID on a new connection.
 * Returns the fd, or -1 (Actual set). */
static int send_connect(struct ctx *c, uint32_t ip, uint16_t port, const char *user)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n =
	        req_build(req, sizeof(req), S4_CMD_CONNECT, port, ip, user, strlen(user), NULL, 0);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	return fd;
}

/* S4-CONNECT-2: "If the request is granted, the SOCKS server makes a
 * connection to the specified port of the destination host."
 * S4-REPLY-4: "90: request granted" */
static enum verdict granted(struct ctx *c)
{
	uint16_t port;
	struct got g;
	int l = d_listen(c, 8, &port);
	if (l < 0)
		return runner_trouble(c, "could not open a destination");
	int fd = send_connect(c, dest_ip(c), port, default_user(c));
	if (fd < 0)
		return V_FAIL;
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (d_accept(c, l, case_timeout_ms(c)) < 0)
		return fail(c, "90, but the destination saw no connection");
	return pass(c, "90, and the destination was connected");
}

/* S4-CONNECT-4: "A reply packet is sent to the client ... when the request is
 * rejected or the operation fails." S4-REPLY-5: "91: request rejected or failed" */
static enum verdict refused(struct ctx *c)
{
	int fd = send_connect(c, dest_ip(c), d_refused_port(c), default_user(c));
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4-CONNECT-5: "The SOCKS server closes its connection immediately after
 * notifying the client of a failed or rejected request." */
static enum verdict refused_close(struct ctx *c)
{
	int fd = send_connect(c, dest_ip(c), d_refused_port(c), default_user(c));
	return fd < 0 ? V_FAIL : expect_code_close(c, fd, only_91, 1);
}

/* The port an accepted connection comes from. */
static uint16_t peer_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	if (getpeername(fd, (struct sockaddr *)&sin, &len) < 0 || sin.sin_family != AF_INET)
		return 0;
	return ntohs(sin.sin_port);
}

/* S4-CONNECT-3: "A reply packet is sent to the client when this connection
 * is established" - not before. The destination's accept queue is full, so
 * the kernel drops the target's SYN: no reply may come while it waits. Then
 * the queue is drained and the target's SYN retransmission gets in. The
 * target's own time limit for the connect (S4-TIMER-1/2, the server's choice)
 * may run out before that retransmission: giving up then, with 91 or a
 * close, is no early grant. */
static enum verdict no_early_grant(struct ctx *c)
{
	uint16_t port, filler[3] = {0, 0, 0};
	struct got g;
	char what[128];
	int l = d_listen(c, 0, &port);
	if (l < 0)
		return runner_trouble(c, "could not open a destination");
	/* backlog 0 queues one connection; two more attempts make sure. */
	for (int i = 0; i < 3; i++) {
		int f = d_connect_nowait(c, dest_ip(c), port);
		filler[i] = f >= 0 ? local_port(f) : 0;
	}
	note(c, "the destination's accept queue is full");

	int fd = send_connect(c, dest_ip(c), port, default_user(c));
	if (fd < 0)
		return V_FAIL;
	t_read_reply(c, fd, 1500, &g);
	if (g.kind != GOT_TIMEOUT || g.n > 0)
		return fail(c, "%s before the destination accepted the connection",
		            got_str(&g, what, sizeof(what)));
	note(c, "no reply while the destination holds the SYN: draining its queue");
	/* Accept whatever arrives (the filler connections, then the target's)
	 * until the reply comes. SYN retries come after 1, 3, 7 s. */
	int target_in = 0, d;
	for (int round = 0; round < 40; round++) {
		while ((d = d_accept(c, l, 0)) >= 0) {
			uint16_t from = peer_port(d);
			target_in |= from != filler[0] && from != filler[1] && from != filler[2];
		}
		t_read_reply(c, fd, 250, &g);
		if (g.kind != GOT_TIMEOUT || g.n > 0)
			break;
	}
	got_str(&g, what, sizeof(what));
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_GRANTED)
		return pass(
		        c, "no reply while the destination's queue was full; 90 after it accepted");
	int gave_up = g.kind == GOT_EOF || g.kind == GOT_RESET ||
	              (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED);
	if (gave_up && !target_in)
		return pass(c,
		            "no reply while the destination's queue was full; then %s before it "
		            "took the target's connection (the target's connect time limit)",
		            what);
	return fail(c, "%s, %s", what,
	            target_in ? "after the destination accepted the target's connection"
	                      : "while the destination held the target's connection");
}

/* S4-REPLY-9 (DER): exactly one reply per CONNECT (Indy#456 sent 90 twice).
 * The destination speaks first: its bytes must follow the 90 directly. */
static enum verdict one_reply(struct ctx *c)
{
	static const char banner[] = "BANNER-1234";
	uint8_t back[sizeof(banner) - 1];
	uint16_t port;
	struct got g;
	int l = d_listen(c, 8, &port);
	if (l < 0)
		return runner_trouble(c, "could not open a destination");
	int fd = send_connect(c, dest_ip(c), port, default_user(c));
	if (fd < 0)
		return V_FAIL;
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	int d = d_accept(c, l, case_timeout_ms(c));
	if (d < 0)
		return fail(c, "90, but the destination saw no connection");
	expect(c, "one 90 reply, then exactly the destination's bytes");
	if (t_send(c, d, banner, sizeof(banner) - 1) < 0 ||
	    t_read_exact(c, fd, back, sizeof(back), case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(back, banner, sizeof(back)) != 0)
		return fail(c,
		            "the bytes after the 90 were not the destination's (a second reply?)");
	return pass(c, "one reply, then the destination's bytes");
}

/* S4-CONNECT-4, S4-REPLY-5: a request the server's policy denies gets a
 * reply, 91 (CSTC's sockd closed silently here: a known deviation). */
static enum verdict denied(struct ctx *c)
{
	int fd = send_denied(c);
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4-CONNECT-5: ... and the connection is closed at once after it. */
static enum verdict denied_close(struct ctx *c)
{
	int fd = send_denied(c);
	return fd < 0 ? V_FAIL : expect_code_close(c, fd, only_91, 1);
}

/* S4-REQ-5 (DER): "DSTPORT ... (network byte order)". A destination port
 * whose two bytes differ: a server reading it little-endian goes elsewhere. */
static enum verdict port_byte_order(struct ctx *c)
{
	uint16_t port;
	struct got g;
	int l = -1;
	for (int tries = 0; tries < 8; tries++) {
		l = d_listen(c, 8, &port);
		if (l >= 0 && (port >> 8) != (port & 0xff))
			break;
	}
	if (l < 0)
		return runner_trouble(c, "could not open a destination");
	note(c, "destination port %u is %02x %02x on the wire", port, port >> 8, port & 0xff);
	int fd = send_connect(c, dest_ip(c), port, default_user(c));
	if (fd < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (d_accept(c, l, case_timeout_ms(c)) < 0)
		return fail(c, "90, but nothing connected to port %u", port);
	return pass(c, "the connection arrived on port %u", port);
}

/* S4-CONNECT-4: port 0 cannot be connected to: the operation fails -> 91. */
static enum verdict port_zero(struct ctx *c)
{
	int fd = send_connect(c, dest_ip(c), 0, default_user(c));
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4-CONNECT-4: 255.255.255.255 cannot be connected to -> 91. */
static enum verdict broadcast(struct ctx *c)
{
	int fd = send_connect(c, 0xffffffffu, echo_port(c), default_user(c));
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4-REPLY-8: "The remaining fields are ignored." What the 90 carries is the
 * server's choice; this reports it. */
static enum verdict reply_fields(struct ctx *c)
{
	struct got g;
	int fd = send_connect(c, dest_ip(c), echo_port(c), default_user(c));
	if (fd < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	uint32_t ip = g.rep.dstip;
	const char *kind = ip == 0 && g.rep.dstport == 0 ? "zeros"
	                   : ip == dest_ip(c) && g.rep.dstport == echo_port(c)
	                           ? "the destination's address"
	                           : "another address";
	return info(c, "the 90 carries %u.%u.%u.%u:%u (%s)", ip >> 24, (ip >> 16) & 255,
	            (ip >> 8) & 255, ip & 255, g.rep.dstport, kind);
}

static const struct s4case cases[] = {
        {"connect/granted", "S4-CONNECT-2 S4-REPLY-4", LEVEL_MUST,
         "CONNECT to a listening destination is granted and connected",
         "90, and the destination sees the connection", NEED_GRANT, 0, granted},
        {"connect/refused", "S4-CONNECT-4 S4-REPLY-5", LEVEL_MUST,
         "CONNECT to a refused port gets 91", "91 (VN=0, 8 bytes)", NEED_REACH, 0, refused},
        {"connect/refused/close", "S4-CONNECT-5", LEVEL_MUST,
         "after the 91 for a refused port the target closes", "91, then close at once", NEED_REACH, 0,
         refused_close},
        {"connect/no-early-grant", "S4-CONNECT-3 S4-REPLY-9", LEVEL_MUST,
         "no reply before the destination accepts the connection",
         "no reply while the destination's accept queue is full; 90 once it accepts (or 91 or "
         "close if the target's connect time limit runs out first)",
         NEED_GRANT, F_SLOW, no_early_grant},
        {"connect/one-reply", "S4-REPLY-9 S4-REPLY-1", LEVEL_MUST,
         "exactly one 8-byte reply, then the destination's bytes",
         "90, then exactly the bytes the destination sent", NEED_GRANT, 0, one_reply},
        {"connect/denied", "S4-CONNECT-4 S4-REPLY-5", LEVEL_MUST,
         "a request the target's policy denies gets 91", "91 (VN=0, 8 bytes)", NEED_DENY, 0,
         denied},
        {"connect/denied/close", "S4-CONNECT-5", LEVEL_MUST,
         "after the 91 for a denied request the target closes", "91, then close at once", NEED_DENY,
         0, denied_close},
        {"connect/dstport/byte-order", "S4-REQ-5 S4-CONNECT-2", LEVEL_MUST,
         "DSTPORT is read in network byte order", "90 and a connection on that port", NEED_GRANT, 0,
         port_byte_order},
        {"connect/dstport/0", "S4-CONNECT-4", LEVEL_MUST, "CONNECT to port 0 fails with 91",
         "91 (VN=0, 8 bytes)", NEED_REACH, 0, port_zero},
        {"connect/dstip/broadcast", "S4-CONNECT-4", LEVEL_MUST,
         "CONNECT to 255.255.255.255 fails with 91", "91 (VN=0, 8 bytes)", 0, 0, broadcast},
        {"connect/reply-fields", "S4-REPLY-8", LEVEL_INFO,
         "what DSTPORT and DSTIP a granted CONNECT's reply carries",
         "a 90; its address fields are the target's choice", NEED_GRANT, 0, reply_fields},
};

const struct case_table cases_connect = {cases, sizeof(cases) / sizeof(cases[0])};
