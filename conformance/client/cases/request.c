/* SPDX-License-Identifier: MIT */
/* client-cases/request.c - the request a CONNECT client sends: every field
 * (VN, CD, DSTPORT, DSTIP, USERID and its one NUL), nothing else before the
 * reply, and SOCKS4a done right: the 0.0.0.x marker, the name and its NUL,
 * and no local lookup of a name only the proxy can resolve. Each case runs
 * the ordinary exchange and judges one part of what the proxy read. */
#include <stdio.h>
#include <string.h>

#include "client/clientmode.h"
#include "core/runner.h"
#include "net.h"

#define QUIET_MS 300 /* how long the proxy listens for bytes behind the request */
#define LOOPBACK 0x7f000001u

/* The ordinary exchange, for a look at its request. 1 when one came. */
static int request_of(struct ctx *c, struct exchange *e, enum host_kind host, int quiet)
{
	ex_init(c, e, host);
	e->s.quiet_ms = quiet ? QUIET_MS : 0;
	ex_run(c, e);
	return ex_got_request(c, e);
}

static void ip_str(uint32_t ip, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* S4-REQ-2: "VN is the SOCKS protocol version number and should be 4." */
static enum verdict vn(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_LITERAL, 0))
		return V_FAIL;
	if (e.rec.r.vn != S4_VN_REQUEST)
		return fail(c, "VN=%u", e.rec.r.vn);
	return pass(c, "VN=4");
}

/* S4-REQ-3: "CD is the SOCKS command code and should be 1 for CONNECT request." */
static enum verdict cd(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_LITERAL, 0))
		return V_FAIL;
	if (e.rec.r.cd != S4_CMD_CONNECT)
		return fail(c, "CD=%u (%s)", e.rec.r.cd, s4_cmd_str(e.rec.r.cd));
	return pass(c, "CD=1");
}

/* S4-REQ-5: DSTPORT and DSTIP in network byte order (draft-vance states it;
 * the original implies it). The destination port's two bytes differ, so a
 * port written the wrong way round shows. */
static enum verdict dstport(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_LITERAL, 0))
		return V_FAIL;
	uint16_t got = e.rec.r.dstport, want = e.v.port;
	if (got == want)
		return pass(c, "DSTPORT %u (%02x %02x)", got, got >> 8, got & 255);
	uint16_t swapped = (uint16_t)(want << 8 | want >> 8);
	return fail(c, "DSTPORT %u (%02x %02x), the destination is %u (%02x %02x)%s", got, got >> 8,
	            got & 255, want, want >> 8, want & 255,
	            got == swapped ? ": little-endian" : "");
}

/* S4-REQ-5 and S4-REQ-1: DSTIP is the destination's address, big-endian. A
 * 4a client may send even an address literal as a name (S4A-14). */
static enum verdict dstip(struct ctx *c)
{
	struct exchange e;
	char ip[16];
	if (!request_of(c, &e, HOST_LITERAL, 0))
		return V_FAIL;
	const struct s4_request *r = &e.rec.r;
	if (r->host != NULL) {
		if (r->host_len == 9 && memcmp(r->host, "127.0.0.1", 9) == 0)
			return pass(c, "SOCKS4a with the name 127.0.0.1");
		return fail(c, "SOCKS4a with the name '%.*s', not 127.0.0.1", (int)r->host_len,
		            r->host);
	}
	ip_str(r->dstip, ip, sizeof(ip));
	if (r->dstip == LOOPBACK)
		return pass(c, "DSTIP 127.0.0.1 (7f 00 00 01)");
	return fail(c, "DSTIP %s, the destination is 127.0.0.1%s", ip,
	            r->dstip == 0x0100007fu ? ": little-endian" : "");
}

/* S4-REQ-1, S4-REQ-6: "USERID ... NULL": the USERID ends at the first NUL,
 * and exactly one NUL ends it (hyper-util PR#307 sent two for an empty one,
 * B4). The proxy listens QUIET_MS for a byte behind the request. */
static enum verdict userid_nul(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_LITERAL, 1))
		return V_FAIL;
	const struct s4_request *r = &e.rec.r;
	size_t at = (size_t)e.rec.parse_rc;
	if (e.rec.early > 0 && e.rec.req[at] == 0)
		return fail(c, "USERID '%.*s' (%zu bytes), then %s NUL", (int)r->userid_len,
		            r->userid, r->userid_len,
		            r->host != NULL ? "the name, its NUL and another" : "two");
	return pass(c, "USERID '%.*s' (%zu bytes), one NUL", (int)r->userid_len, r->userid,
	            r->userid_len);
}

/* S4-REQ-1, S4-CONNECT-5: the client may use the connection once the reply
 * came; data sent before it is lost when the answer is a refusal ("The SOCKS
 * server closes its connection immediately"). NULs right behind the request
 * are request/userid/one-nul's. */
static enum verdict early_data(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_LITERAL, 1))
		return V_FAIL;
	const uint8_t *b = e.rec.req + e.rec.parse_rc;
	size_t n = e.rec.early;
	while (n > 0 && *b == 0) {
		b++;
		n--;
	}
	if (n > 0)
		return fail(c,
		            "%zu bytes of data came before the reply, within %d ms of the "
		            "request",
		            n, QUIET_MS);
	return pass(c, "nothing within %d ms, before the reply", QUIET_MS);
}

/* S4A-1: "it should set the first three bytes of DSTIP to NULL and the last
 * byte to a non-zero value." The name is one only the proxy knows. */
static enum verdict marker(struct ctx *c)
{
	struct exchange e;
	struct s4_request h;
	char ip[16];
	ex_init(c, &e, HOST_PROXY);
	ex_run(c, &e);
	if (!ex_header(c, &e, &h))
		return V_FAIL;
	uint32_t ip4 = h.dstip;
	ip_str(ip4, ip, sizeof(ip));
	if (s4_is_4a(ip4))
		return pass(c, "DSTIP %s", ip);
	return fail(c, "DSTIP %s: not 0.0.0.x with x != 0%s", ip,
	            ip4 == 0 ? " (0.0.0.0 is no 4a marker, S4A-8)" : "");
}

/* S4A-2: "Following the NULL byte terminating USERID, the client must sends
 * the destination domain name and termiantes it with another NULL byte."
 * Read from the bytes themselves, so that a wrong marker (request/4a/marker)
 * does not hide the name. */
static enum verdict hostname(struct ctx *c)
{
	struct exchange e;
	if (!request_of(c, &e, HOST_PROXY, 1))
		return V_FAIL;
	size_t at = S4_HEADER_LEN + e.rec.r.userid_len + 1;
	size_t want = strlen(CLIENT_4A_NAME) + 1;
	const uint8_t *name = e.rec.req + at;
	size_t have = e.rec.req_len > at ? e.rec.req_len - at : 0;
	if (have >= want && memcmp(name, CLIENT_4A_NAME, want) == 0)
		return pass(c, "'%s' and a NUL after USERID's NUL", CLIENT_4A_NAME);
	const uint8_t *nul = memchr(name, 0, have);
	size_t len = nul != NULL ? (size_t)(nul - name) : have;
	return fail(c, "after USERID's NUL: '%.*s'%s (%zu bytes), not '%s' and a NUL", (int)len,
	            (const char *)name, nul != NULL ? " and a NUL" : " with no NUL", have,
	            CLIENT_4A_NAME);
}

/* S4A-1, S4A-2 (B9: DNS leaks, socks4a that resolves locally): a name only
 * the proxy can resolve (RFC 6761 .invalid) is reached end to end. A client
 * that looks the name up first fails here before it sends anything. */
static enum verdict no_local_lookup(struct ctx *c)
{
	struct exchange e;
	ex_init(c, &e, HOST_PROXY);
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4A-1: "... the client sets the first three bytes of DSTIP to NULL and the
 * last byte to a non-zero value" so that the SOCKS server resolves the name:
 * a 4a client that looks the name up itself first (or instead) tells the
 * local resolver, and whoever watches it, where it is going. The client runs
 * with the runner's resolver (a private resolv.conf): any query for the name
 * while the case runs is the leak. */
static enum verdict no_leak(struct ctx *c)
{
	struct exchange e;
	char first[200] = "";
	int64_t t0 = net_now_ms();
	ex_init(c, &e, HOST_PROXY);
	ex_run(c, &e);
	size_t n = names_local_queries(c, CLIENT_4A_NAME, t0, first, sizeof(first));
	if (n > 0)
		return fail(c,
		            "the client asked the local resolver for %s %zu time%s (first: %s) "
		            "before or instead of leaving the name to the proxy",
		            CLIENT_4A_NAME, n, n == 1 ? "" : "s", first);
	return pass(c, "no local query for %s", CLIENT_4A_NAME);
}

/* S4-REQ-1, S4A-9 (B9): a plain SOCKS4 client resolves the name itself and
 * sends an IPv4 address: a SOCKS4 server without 4a refuses 0.0.0.x. */
static enum verdict local_name(struct ctx *c)
{
	struct exchange e;
	char ip[16];
	if (!request_of(c, &e, HOST_LOCAL, 0))
		return V_FAIL;
	const struct s4_request *r = &e.rec.r;
	if (r->host != NULL)
		return fail(c,
		            "SOCKS4a with the name '%.*s': a plain SOCKS4 client sends the "
		            "address (or run with --client-4a)",
		            (int)r->host_len, r->host);
	ip_str(r->dstip, ip, sizeof(ip));
	if (r->dstip != LOOPBACK)
		return fail(c, "DSTIP %s, localhost is 127.0.0.1", ip);
	return pass(c, "DSTIP 127.0.0.1 for localhost");
}

static const struct s4case cases[] = {
        {"request/vn", "S4-REQ-2", LEVEL_MUST, "the request's VN is 4", "VN=4", CNEED_CONNECT, 0,
         vn},
        {"request/cd", "S4-REQ-3", LEVEL_MUST, "a CONNECT's CD is 1", "CD=1", CNEED_CONNECT, 0, cd},
        {"request/dstport", "S4-REQ-5", LEVEL_MUST, "DSTPORT is the port, in network byte order",
         "DSTPORT = {port}, big-endian", CNEED_CONNECT, 0, dstport},
        {"request/dstip", "S4-REQ-5 S4-REQ-1", LEVEL_MUST,
         "DSTIP is the address, in network byte order",
         "DSTIP 127.0.0.1 (7f 00 00 01), or SOCKS4a with the name 127.0.0.1", CNEED_CONNECT, 0,
         dstip},
        {"request/userid/one-nul", "S4-REQ-1 S4-REQ-6", LEVEL_MUST,
         "USERID ends with exactly one NUL", "USERID, one NUL, no second NUL behind it",
         CNEED_CONNECT, 0, userid_nul},
        {"request/early-data", "S4-REQ-1 S4-CONNECT-5", LEVEL_SHOULD, "no data before the reply",
         "nothing after the request until the reply", CNEED_CONNECT, 0, early_data},
        {"request/4a/marker", "S4A-1", LEVEL_MUST, "a SOCKS4a request's DSTIP is 0.0.0.x, x != 0",
         "DSTIP 0.0.0.x with x != 0", NEED_4A | CNEED_CONNECT, 0, marker},
        {"request/4a/hostname", "S4A-2", LEVEL_MUST, "the name and one NUL follow USERID's NUL",
         "'" CLIENT_4A_NAME "' and a NUL", NEED_4A | CNEED_CONNECT, 0, hostname},
        {"request/4a/no-local-lookup", "S4A-1 S4A-2", LEVEL_MUST,
         "a name only the proxy can resolve is reached",
         "the exchange with " CLIENT_4A_NAME " works: no local lookup stops it",
         NEED_4A | CNEED_CONNECT, 0, no_local_lookup},
        {"request/4a/no-dns-leak", "S4A-1", LEVEL_MUST,
         "a SOCKS4a client does not look the name up locally",
         "no query for " CLIENT_4A_NAME " reaches the local resolver (the runner's)",
         NEED_4A | CNEED_CONNECT | CNEED_NAMES, 0, no_leak},
        {"request/4/local-name", "S4-REQ-1 S4A-9", LEVEL_MUST,
         "a plain SOCKS4 client sends a name's IPv4 address",
         "DSTIP 127.0.0.1 for localhost, no SOCKS4a name", NEED_NO_4A | CNEED_CONNECT, 0,
         local_name},
};

const struct case_table client_cases_request = {cases, sizeof(cases) / sizeof(cases[0])};
