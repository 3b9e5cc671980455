/* SPDX-License-Identifier: MIT */
/* cases/delivery.c - how the bytes of a valid request arrive: one byte per
 * write, split at every field boundary, and with application data in the
 * same write. TCP is a stream; a server must parse it as one (B7:
 * microsocks#105, mieru#25, curl's socksd.c took one recv() as the request). */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

#define GAP_MS 20       /* between single-byte writes */
#define FIELD_GAP_MS 50 /* between fields */
#define LARGE_PAYLOAD (64 * 1024)

enum kind { K_CONNECT, K_CONNECT_4A, K_BIND };

/* The request of each kind, to the echo destination, and its field
 * boundaries: VN | CD | DSTPORT | DSTIP | USERID | NUL [| HOST | NUL]. */
static size_t build(struct ctx *c, enum kind k, uint8_t *out, size_t cap, size_t *cuts,
                    size_t *ncuts)
{
	const char *user = default_user(c);
	size_t ulen = strlen(user);
	char ip[16];
	uint32_t d = dest_ip(c);
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", d >> 24, (d >> 16) & 255, (d >> 8) & 255, d & 255);
	size_t n;
	if (k == K_CONNECT_4A)
		n = req_build(out, cap, S4_CMD_CONNECT, echo_port(c), 1, user, ulen, ip,
		              strlen(ip));
	else
		n = req_build(out, cap, k == K_BIND ? S4_CMD_BIND : S4_CMD_CONNECT, echo_port(c), d,
		              user, ulen, NULL, 0);
	size_t i = 0;
	cuts[i++] = 1;
	cuts[i++] = 2;
	cuts[i++] = 4;
	cuts[i++] = S4_HEADER_LEN;
	cuts[i++] = S4_HEADER_LEN + ulen;
	if (k == K_CONNECT_4A) {
		cuts[i++] = S4_HEADER_LEN + ulen + 1;
		cuts[i++] = n - 1;
	}
	*ncuts = i;
	return n;
}

/* After the request: a 90, then (for CONNECT) one round trip through the echo. */
static enum verdict granted_and_works(struct ctx *c, int fd, enum kind k)
{
	struct got g;
	uint8_t back[4];
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (k == K_BIND)
		return pass(c, "first BIND reply 90");
	if (t_send(c, fd, "ping", 4) < 0 || t_read_exact(c, fd, back, 4, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(back, "ping", 4) != 0)
		return fail(c, "90, but the relay returned other bytes");
	return pass(c, "90, and the relay works");
}

static enum verdict bytewise(struct ctx *c, enum kind k)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t cuts[8], ncuts;
	size_t n = build(c, k, req, sizeof(req), cuts, &ncuts);
	expect(c, "the same as one write: 90");
	int fd = t_connect(c);
	if (fd < 0 || t_send_bytewise(c, fd, req, n, GAP_MS) < 0)
		return V_FAIL;
	return granted_and_works(c, fd, k);
}

static enum verdict fields(struct ctx *c, enum kind k)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t cuts[8], ncuts;
	size_t n = build(c, k, req, sizeof(req), cuts, &ncuts);
	expect(c, "the same as one write: 90");
	int fd = t_connect(c);
	if (fd < 0 || t_send_split(c, fd, req, n, cuts, ncuts, FIELD_GAP_MS) < 0)
		return V_FAIL;
	return granted_and_works(c, fd, k);
}

/* The split cases run alone (F_DESTRUCTIVE): their first segments are a
 * partial request, which kills some servers (a port read from a 1-byte
 * buffer), and such a death is then theirs alone. */

/* S4-ROBUST-2 (DER): "A request split across many TCP segments (down to one
 * byte per write, with delays) must be handled the same as a single write." */
static enum verdict bytewise_connect(struct ctx *c)
{
	return bytewise(c, K_CONNECT);
}
static enum verdict bytewise_connect_4a(struct ctx *c)
{
	return bytewise(c, K_CONNECT_4A);
}
static enum verdict bytewise_bind(struct ctx *c)
{
	return bytewise(c, K_BIND);
}
static enum verdict fields_connect(struct ctx *c)
{
	return fields(c, K_CONNECT);
}
static enum verdict fields_connect_4a(struct ctx *c)
{
	return fields(c, K_CONNECT_4A);
}
static enum verdict fields_bind(struct ctx *c)
{
	return fields(c, K_BIND);
}

/* S4-CONNECT-8 (DER): bytes the client sends right behind the request "must
 * not be lost. They must be delivered to the destination after the
 * connection is made." S4-ROBUST-5: they belong to the relay phase. */
static enum verdict payload(struct ctx *c, enum kind k, size_t len)
{
	uint8_t *req = t_alloc(c, S4_REQUEST_MAX + LARGE_PAYLOAD),
	        *back = t_alloc(c, LARGE_PAYLOAD);
	size_t cuts[8], ncuts;
	size_t n = build(c, k, req, S4_REQUEST_MAX, cuts, &ncuts);
	fill_pattern(req + n, len, 4242);
	struct got g;
	expect(c, "90, then all %zu bytes sent behind the request reach the destination", len);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n + len) < 0)
		return V_FAIL;
	if (expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	if (t_read_exact(c, fd, back, len, case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(back, req + n, len) != 0)
		return fail(c,
		            "the destination got other bytes than those sent behind the request");
	return pass(c, "all %zu bytes arrived in order", len);
}

static enum verdict payload_connect(struct ctx *c)
{
	return payload(c, K_CONNECT, 32);
}
static enum verdict payload_connect_4a(struct ctx *c)
{
	return payload(c, K_CONNECT_4A, 32);
}
static enum verdict payload_large(struct ctx *c)
{
	return payload(c, K_CONNECT, LARGE_PAYLOAD);
}

#define SAME "90, as for one write"

static const struct s4case cases[] = {
        {"delivery/bytewise/connect", "S4-ROBUST-2 S4-ROBUST-5", LEVEL_MUST,
         "a CONNECT sent one byte per write is granted", SAME, NEED_GRANT, F_DESTRUCTIVE, bytewise_connect},
        {"delivery/bytewise/connect-4a", "S4-ROBUST-2 S4A-5", LEVEL_MUST,
         "a SOCKS4a CONNECT sent one byte per write is granted", SAME, NEED_4A | NEED_GRANT, F_DESTRUCTIVE,
         bytewise_connect_4a},
        {"delivery/bytewise/bind", "S4-ROBUST-2 S4-BIND-4", LEVEL_MUST,
         "a BIND sent one byte per write is granted", SAME, NEED_BIND | NEED_GRANT, F_DESTRUCTIVE, bytewise_bind},
        {"delivery/fields/connect", "S4-ROBUST-2", LEVEL_MUST,
         "a CONNECT split at every field boundary is granted", SAME, NEED_GRANT, F_DESTRUCTIVE, fields_connect},
        {"delivery/fields/connect-4a", "S4-ROBUST-2 S4A-5", LEVEL_MUST,
         "a SOCKS4a CONNECT split at every field boundary is granted", SAME, NEED_4A | NEED_GRANT, F_DESTRUCTIVE,
         fields_connect_4a},
        {"delivery/fields/bind", "S4-ROBUST-2", LEVEL_MUST,
         "a BIND split at every field boundary is granted", SAME, NEED_BIND | NEED_GRANT, F_DESTRUCTIVE, fields_bind},
        {"delivery/payload/connect", "S4-CONNECT-8 S4-ROBUST-5", LEVEL_MUST,
         "data in the same write as the request reaches the destination", NULL, NEED_GRANT, 0,
         payload_connect},
        {"delivery/payload/connect-4a", "S4-CONNECT-8 S4A-5", LEVEL_MUST,
         "data in the same write as a SOCKS4a request reaches the destination", NULL, NEED_4A | NEED_GRANT, 0,
         payload_connect_4a},
        {"delivery/payload/64k", "S4-CONNECT-8", LEVEL_MUST,
         "64 KiB sent right behind the request all reach the destination", NULL, NEED_GRANT, 0,
         payload_large},
};

const struct case_table cases_delivery = {cases, sizeof(cases) / sizeof(cases[0])};
