/* SPDX-License-Identifier: MIT */
/* cases/socks4a.c - the SOCKS4a extension: DSTIP 0.0.0.x (x != 0), then a
 * hostname after USERID's NUL. Names are IP literals of dest-addr unless a
 * case is about resolution (--dest-name), so no DNS is involved. */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

#define INVALID_NAME "socks4-test.invalid" /* RFC 6761: never resolves */

static void dest_literal(struct ctx *c, char *out, size_t cap)
{
	uint32_t d = dest_ip(c);
	snprintf(out, cap, "%u.%u.%u.%u", d >> 24, (d >> 16) & 255, (d >> 8) & 255, d & 255);
}

/* A 4a CONNECT with marker 0.0.0.x to `port` for this name. */
static int send_4a(struct ctx *c, uint8_t x, uint16_t port, const char *name, size_t nlen)
{
	uint8_t req[S4_HEADER_LEN + 64 + 2048];
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, port, x, u, strlen(u), name, nlen);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return -1;
	return fd;
}

/* 90, and a round trip through the echo: the name led to our destination. */
static enum verdict granted_to_echo(struct ctx *c, int fd)
{
	struct got g;
	uint8_t back[4];
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (t_send(c, fd, "ping", 4) < 0 || t_read_exact(c, fd, back, 4, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(back, "ping", 4) != 0)
		return fail(c, "90, but the relay does not lead to the named destination");
	return pass(c, "90, and the relay reaches the named destination");
}

/* S4A-5: "the server must read in the domain name"; S4A-14 (DER): a name
 * that is an IP literal is still processed. */
static enum verdict ip_literal(struct ctx *c)
{
	char name[16];
	dest_literal(c, name, sizeof(name));
	int fd = send_4a(c, 1, echo_port(c), name, strlen(name));
	return fd < 0 ? V_FAIL : granted_to_echo(c, fd);
}

/* S4A-4: "0.0.0.x with x nonzero": 0.0.0.255 is a marker as well as 0.0.0.1. */
static enum verdict marker_255(struct ctx *c)
{
	char name[16];
	dest_literal(c, name, sizeof(name));
	int fd = send_4a(c, 255, echo_port(c), name, strlen(name));
	return fd < 0 ? V_FAIL : granted_to_echo(c, fd);
}

/* S4A-6: "The server should resolve the domain name and make connection to
 * the destination host if it can." */
static enum verdict name(struct ctx *c)
{
	const char *n = dest_name(c);
	int fd = send_4a(c, 1, echo_port(c), n, strlen(n));
	return fd < 0 ? V_FAIL : granted_to_echo(c, fd);
}

/* S4A-6 (DER, draft-vance): a name that does not resolve gets 91. */
static enum verdict unresolvable(struct ctx *c)
{
	int fd = send_4a(c, 1, echo_port(c), INVALID_NAME, strlen(INVALID_NAME));
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4A-13 (DER): "An empty hostname (two NULLs in a row after a 0.0.0.x
 * marker) -> 91" (hyper-util#307 sent exactly that). */
static enum verdict empty_name(struct ctx *c)
{
	int fd = send_4a(c, 1, echo_port(c), "", 0);
	return fd < 0 ? V_FAIL : expect_code(c, fd, only_91, 1);
}

/* S4A-12 (DER): hostnames are bounded; long ones end in 91 or a close,
 * never a hang or a crash. */
static enum verdict long_name(struct ctx *c, size_t len)
{
	char big[2048];
	memset(big, 'h', len);
	int fd = send_4a(c, 1, echo_port(c), big, len);
	return fd < 0 ? V_FAIL : expect_refusal(c, fd);
}

static enum verdict name_255(struct ctx *c)
{
	return long_name(c, 255);
}
static enum verdict name_256(struct ctx *c)
{
	return long_name(c, 256);
}
static enum verdict name_1024(struct ctx *c)
{
	return long_name(c, 1024);
}

/* S4A-5: the request is not complete before the hostname's NUL: no 90. */
static enum verdict name_no_nul(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX];
	char name[16];
	struct got g;
	char what[128];
	dest_literal(c, name, sizeof(name));
	const char *u = default_user(c);
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, echo_port(c), 1, u, strlen(u), name,
	                     strlen(name));
	expect(c, "no 90 while the hostname's NUL has not arrived");
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n - 1) < 0)
		return V_FAIL;
	t_read_reply(c, fd, 1000, &g);
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_GRANTED)
		return fail(c, "90 before the hostname was complete");
	if (g.kind == GOT_BAD_VN || g.kind == GOT_SHORT)
		return fail(c, "%s", got_str(&g, what, sizeof(what)));
	return pass(c, "%s",
	            g.kind == GOT_TIMEOUT ? "no reply (waiting for the NUL)"
	                                  : got_str(&g, what, sizeof(what)));
}

/* S4A-9 (DER): a server without 4a answers 0.0.0.x with 91: it must not
 * connect anywhere, nor relay the hostname as data. */
static enum verdict unsupported(struct ctx *c)
{
	char name[16];
	uint16_t port;
	dest_literal(c, name, sizeof(name));
	int l = d_listen(c, 8, &port);
	if (l < 0)
		return runner_trouble(c, "could not open a destination");
	int fd = send_4a(c, 1, port, name, strlen(name));
	if (fd < 0)
		return V_FAIL;
	enum verdict v = expect_code_close(c, fd, only_91, 1);
	if (v != V_PASS)
		return v;
	if (d_accept(c, l, 300) >= 0)
		return fail(c,
		            "91, but something connected to the destination the name stands for");
	return pass(c, "91, then close; nothing connected");
}

#define REFUSE "91 then close, or close; never 90, never a hang"

static const struct s4case cases[] = {
        {"4a/connect/ip-literal", "S4A-4 S4A-5 S4A-14", LEVEL_MUST,
         "a 4a CONNECT naming an IP literal reaches it", "90, and the relay works", NEED_4A | NEED_GRANT, 0,
         ip_literal},
        {"4a/marker/255", "S4A-4 S4A-5", LEVEL_MUST, "0.0.0.255 is a 4a marker like 0.0.0.1",
         "90, and the relay works", NEED_4A | NEED_GRANT, 0, marker_255},
        {"4a/connect/name", "S4A-6", LEVEL_SHOULD, "a 4a CONNECT naming a host is resolved",
         "90, and the relay works", NEED_4A | NEED_NAME | NEED_GRANT, 0, name},
        {"4a/unresolvable", "S4A-6 S4-REPLY-5", LEVEL_SHOULD,
         "a 4a name that does not resolve gets 91", NULL, NEED_4A, 0, unresolvable},
        {"4a/hostname/empty", "S4A-13", LEVEL_SHOULD, "an empty 4a hostname gets 91", NULL, NEED_4A,
         F_DESTRUCTIVE, empty_name},
        {"4a/hostname/255", "S4A-12 S4-ROBUST-1", LEVEL_MUST,
         "a 255-byte hostname that cannot resolve: refused, no hang", REFUSE, NEED_4A,
         F_DESTRUCTIVE, name_255},
        {"4a/hostname/256", "S4A-12 S4-ROBUST-1", LEVEL_MUST,
         "a 256-byte hostname: refused, no hang", REFUSE, NEED_4A, F_DESTRUCTIVE, name_256},
        {"4a/hostname/1024", "S4A-12 S4-ROBUST-1", LEVEL_MUST,
         "a 1024-byte hostname: refused, no hang", REFUSE, NEED_4A, F_DESTRUCTIVE, name_1024},
        {"4a/hostname/no-nul", "S4A-5", LEVEL_MUST, "a hostname without its NUL is not granted",
         NULL, NEED_4A, F_DESTRUCTIVE, name_no_nul},
        {"4a/unsupported", "S4A-9", LEVEL_MUST,
         "a server without 4a answers 0.0.0.x with 91 and connects nowhere", NULL, NEED_NO_4A, 0,
         unsupported},
};

const struct case_table cases_socks4a = {cases, sizeof(cases) / sizeof(cases[0])};
