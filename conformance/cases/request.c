/* SPDX-License-Identifier: MIT */
/* cases/request.c - every request field with valid, boundary and malformed
 * values: VN, CD, DSTIP 0.0.0.0, USERID (empty, long, very long, high-bit
 * bytes, no NUL). After a granted USERID case the client sends application
 * data: it must come back from the echo destination exactly, so a server that
 * stops reading USERID early (and relays the rest) is caught. The data goes
 * after the reply, not behind the request: data sent early is delivery/'s
 * subject (S4-CONNECT-8), and a server that loses it fails there, not here. */
#include <stdio.h>
#include <string.h>

#include "core/suite.h"

#define PAYLOAD "PAYLOAD-after-NUL"
#define USERID_BIG 4096

/* A SOCKS4-shaped request with any VN and CD, to the echo destination. */
static size_t shaped(struct ctx *c, uint8_t *out, size_t cap, int vn, int cd)
{
	size_t n = req_build(out, cap, cd, echo_port(c), dest_ip(c), default_user(c),
	                     strlen(default_user(c)), NULL, 0);
	out[0] = (uint8_t)vn;
	return n;
}

/* S4-REQ-2: "VN is the SOCKS protocol version number and should be 4."
 * S4-REQ-7 (DER): any other VN: close, or 91 then close; never granted. */
static enum verdict bad_vn(struct ctx *c, int vn)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = shaped(c, req, sizeof(req), vn, S4_CMD_CONNECT);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	return expect_refusal(c, fd);
}

static enum verdict vn_0(struct ctx *c)
{
	return bad_vn(c, 0);
}
static enum verdict vn_3(struct ctx *c)
{
	return bad_vn(c, 3);
}
/* VN=5 is SOCKS5's: a server that speaks both protocols may read these bytes
 * as a SOCKS5 greeting and answer it (Dante: "05 ff", no acceptable method).
 * That is allowed; only a SOCKS4 grant or a hang is not. The greeting offers
 * one method, the octet after CD: a SOCKS5 answer picks it or ff. Anything
 * else after 05 is a SOCKS4 reply with the request's VN (S4-REPLY-2; the CSTC
 * sockd's SendDst sends the request's VN back). */
static enum verdict vn_5(struct ctx *c)
{
	uint8_t req[S4_REQUEST_MAX], buf[2];
	size_t n = shaped(c, req, sizeof(req), 5, S4_CMD_CONNECT);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	expect(c,
	       "close, 91 then close, or a SOCKS5 answer (05 ff or 05 %02x); never 90, never "
	       "a hang",
	       req[2]);
	if (t_peek_byte(c, fd, case_timeout_ms(c)) == 0x05) {
		if (t_read_exact(c, fd, buf, sizeof(buf), case_timeout_ms(c)) < 0)
			return V_FAIL;
		if (buf[1] != 0xff && buf[1] != req[2])
			return fail(
			        c, "05 %02x: no SOCKS5 method selection, a SOCKS4 reply with VN=5?",
			        buf[1]);
		return pass(c, "a SOCKS5 answer (05 %02x): the target speaks SOCKS5 too", buf[1]);
	}
	return expect_refusal(c, fd);
}
static enum verdict vn_255(struct ctx *c)
{
	return bad_vn(c, 255);
}

/* S4-REQ-3/4: CD is 1 (CONNECT) or 2 (BIND); S4-REQ-7: anything else gets
 * close or 91 then close. */
static enum verdict bad_cd(struct ctx *c, int cd)
{
	uint8_t req[S4_REQUEST_MAX];
	size_t n = shaped(c, req, sizeof(req), S4_VN_REQUEST, cd);
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	return expect_refusal(c, fd);
}

static enum verdict cd_0(struct ctx *c)
{
	return bad_cd(c, 0);
}
static enum verdict cd_3(struct ctx *c)
{
	return bad_cd(c, 3); /* SOCKS5's UDP ASSOCIATE */
}
static enum verdict cd_128(struct ctx *c)
{
	return bad_cd(c, 128);
}
static enum verdict cd_255(struct ctx *c)
{
	return bad_cd(c, 255);
}

/* S4A-8 (DER): 0.0.0.0 is not a 4a marker; bytes after the first NUL are no
 * hostname. They name our own echo service here, so a server that reads them
 * as a 4a name connects there and grants, and the bytes are gone. A plain
 * SOCKS4 reading is right whatever it does with the address: refused (0.0.0.0
 * is no destination), or - Linux connects 0.0.0.0 to this host - granted, and
 * then the bytes after USERID are data, relayed to the echo and back. */
static enum verdict dstip_zero(struct ctx *c)
{
	char ip[16];
	uint8_t req[S4_REQUEST_MAX], back[sizeof(ip)];
	uint32_t d = dest_ip(c);
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", d >> 24, (d >> 16) & 255, (d >> 8) & 255, d & 255);
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, echo_port(c), 0, default_user(c),
	                     strlen(default_user(c)), ip, strlen(ip));
	expect(c, "close, or 91 then close; or 90 with the bytes after USERID relayed as data "
	          "(0.0.0.0 connected as an address); never those bytes read as a hostname");
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	struct got g;
	char what[128];
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	if (g.kind == GOT_EOF || g.kind == GOT_RESET)
		return pass(c, "close");
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_REJECTED)
		return t_expect_close(c, fd, case_timeout_ms(c)) ? pass(c, "91, then close") : V_FAIL;
	if (g.kind != GOT_REPLY || g.rep.cd != S4_REP_GRANTED)
		return fail(c, "%s", got_str(&g, what, sizeof(what)));
	size_t tail = strlen(ip) + 1; /* the "hostname" and its NUL, as the echo returns them */
	if (t_read_exact(c, fd, back, tail, case_timeout_ms(c)) < 0 ||
	    memcmp(back, req + n - tail, tail) != 0)
		return fail(c, "90, and the bytes after USERID did not come back as data: they were "
		               "read as a hostname");
	return pass(c, "90 for 0.0.0.0 taken as an address; the bytes after USERID were relayed "
	               "as data");
}

/* Sends a CONNECT to echo with this USERID, with identd (if the target
 * asks) told to confirm the USERID. Returns the fd. */
static int send_userid(struct ctx *c, const char *user, size_t ulen)
{
	uint8_t req[8 + USERID_BIG + 1];
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, echo_port(c), dest_ip(c), user, ulen,
	                     NULL, 0);
	int fd = t_connect(c);
	if (fd < 0)
		return -1;
	if (ulen > 0 && ulen <= 512 && memchr(user, '\r', ulen) == NULL &&
	    memchr(user, '\n', ulen) == NULL && user[0] != ' ' && user[ulen - 1] != ' ') {
		char id[513]; /* ident_script takes a C string */
		memcpy(id, user, ulen);
		id[ulen] = '\0';
		ident_script(c, fd, IDENT_ANS_USERID, id);
	}
	if (t_send(c, fd, req, n) < 0)
		return -1;
	return fd;
}

/* After the 90: the payload must come back exactly from the echo
 * destination, with no USERID octet before it. */
static enum verdict payload_back(struct ctx *c, int fd)
{
	uint8_t back[sizeof(PAYLOAD) - 1];
	if (t_send(c, fd, PAYLOAD, strlen(PAYLOAD)) < 0)
		return V_FAIL;
	if (t_read_exact(c, fd, back, sizeof(back), case_timeout_ms(c)) < 0)
		return V_FAIL;
	if (memcmp(back, PAYLOAD, sizeof(back)) != 0)
		return fail(c, "the destination got other bytes than the payload: USERID was not "
		               "consumed exactly up to its NUL");
	return pass(c, "90, and the payload arrived intact");
}

/* A USERID the target must accept: 90, then the payload intact. */
static enum verdict userid_ok(struct ctx *c, const char *user, size_t ulen)
{
	struct got g;
	expect(c, "90, then a payload sent after it comes back from the echo intact");
	int fd = send_userid(c, user, ulen);
	if (fd < 0 || expect_grant(c, fd, &g) != V_PASS)
		return V_FAIL;
	return payload_back(c, fd);
}

/* A USERID over any sane limit: refused (91 or close) or granted with the
 * payload intact; never a hang, never the USERID's tail relayed. */
static enum verdict userid_big(struct ctx *c, size_t ulen)
{
	char user[USERID_BIG];
	struct got g;
	char what[128];
	memset(user, 'u', ulen);
	expect(c, "91 then close, or close, or 90 with the payload intact; never a hang");
	int fd = send_userid(c, user, ulen);
	if (fd < 0)
		return V_FAIL;
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	if (g.kind == GOT_EOF || g.kind == GOT_RESET)
		return pass(c, "close");
	/* A target that checks every USERID with identd may turn this one down
	 * there first: identd cannot name it (92/93 is then a refusal too). */
	int refused = g.kind == GOT_REPLY &&
	              (g.rep.cd == S4_REP_REJECTED ||
	               (identd_checks_all(c) &&
	                (g.rep.cd == S4_REP_NO_IDENTD || g.rep.cd == S4_REP_IDENT_MISMATCH)));
	if (refused)
		return t_expect_close(c, fd, case_timeout_ms(c))
		               ? pass(c, "%u, then close", g.rep.cd)
		               : V_FAIL;
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_GRANTED)
		return payload_back(c, fd);
	return fail(c, "%s", got_str(&g, what, sizeof(what)));
}

/* S4-REQ-6 (DER): USERID "may be empty (the request is then exactly 9
 * octets)"; GameXG/ProxyClient#16 and hyper-util#307 got the NULs wrong. */
static enum verdict userid_empty(struct ctx *c)
{
	if (identd_checks_all(c))
		return skip(c, "the target checks USERIDs with identd, which cannot confirm an "
		               "empty one (93 is then right)");
	return userid_ok(c, "", 0);
}

static enum verdict userid_1(struct ctx *c)
{
	return userid_ok(c, "u", 1);
}

/* B6: the CSTC sockd truncated USERID at 127 characters. */
static enum verdict userid_127(struct ctx *c)
{
	char user[127];
	memset(user, 'a', sizeof(user));
	return userid_ok(c, user, sizeof(user));
}

static enum verdict userid_255(struct ctx *c)
{
	char user[255];
	memset(user, 'b', sizeof(user));
	return userid_ok(c, user, sizeof(user));
}

/* B5: reGeorg#35 ignored USERID; a long printable one must be consumed. */
static enum verdict userid_printable(struct ctx *c)
{
	static const char user[] = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1) user@host";
	return userid_ok(c, user, sizeof(user) - 1);
}

/* USERID is "an octet string": bytes >= 0x80 are ordinary. */
static enum verdict userid_high_bit(struct ctx *c)
{
	static const char user[] = "\x80\xff\xc3\xa9\xfe\x04\x01";
	return userid_ok(c, user, sizeof(user) - 1);
}

/* S4-ROBUST-1 (DER): over the limit, 91 or close, never a crash or an
 * unbounded read. */
static enum verdict userid_256(struct ctx *c)
{
	return userid_big(c, 256);
}

static enum verdict userid_1023(struct ctx *c)
{
	return userid_big(c, 1023);
}

static enum verdict userid_4096(struct ctx *c)
{
	return userid_big(c, USERID_BIG);
}

/* S4-REQ-1: the request ends with the NUL after USERID: no reply, least of
 * all a 90, before it has arrived (B4: 8-byte requests from broken clients). */
static enum verdict no_grant_before_nul(struct ctx *c, size_t ulen)
{
	uint8_t req[S4_REQUEST_MAX];
	struct got g;
	char what[128];
	size_t n = req_build(req, sizeof(req), S4_CMD_CONNECT, echo_port(c), dest_ip(c), "abc", 3,
	                     NULL, 0);
	n = S4_HEADER_LEN + ulen; /* cut before the NUL */
	expect(c, "no 90 while the NUL has not arrived (nothing, 91, or close)");
	int fd = t_connect(c);
	if (fd < 0 || t_send(c, fd, req, n) < 0)
		return V_FAIL;
	t_read_reply(c, fd, 1000, &g);
	if (g.kind == GOT_REPLY && g.rep.cd == S4_REP_GRANTED)
		return fail(c, "90 for a request without its NUL");
	if (g.kind == GOT_BAD_VN || g.kind == GOT_SHORT)
		return fail(c, "%s", got_str(&g, what, sizeof(what)));
	return pass(c, "%s",
	            g.kind == GOT_TIMEOUT ? "no reply (waiting for the NUL)"
	                                  : got_str(&g, what, sizeof(what)));
}

static enum verdict header_only(struct ctx *c)
{
	return no_grant_before_nul(c, 0);
}

static enum verdict userid_no_nul(struct ctx *c)
{
	return no_grant_before_nul(c, 3);
}

#define REFUSE "close, or 91 then close; never 90, never a hang"

static const struct s4case cases[] = {
        {"request/vn/0", "S4-REQ-2 S4-REQ-7", LEVEL_MUST, "VN=0 in a request is refused", REFUSE, 0,
         F_DESTRUCTIVE, vn_0},
        {"request/vn/3", "S4-REQ-2 S4-REQ-7", LEVEL_MUST, "VN=3 is refused", REFUSE, 0,
         F_DESTRUCTIVE, vn_3},
        {"request/vn/5", "S4-REQ-2 S4-REQ-7", LEVEL_MUST,
         "VN=5 (SOCKS5) in a SOCKS4 request is refused", REFUSE, 0, F_DESTRUCTIVE, vn_5},
        {"request/vn/255", "S4-REQ-2 S4-REQ-7", LEVEL_MUST, "VN=255 is refused", REFUSE, 0,
         F_DESTRUCTIVE, vn_255},
        {"request/cd/0", "S4-REQ-3 S4-REQ-7", LEVEL_MUST, "CD=0 is refused", REFUSE, 0,
         F_DESTRUCTIVE, cd_0},
        {"request/cd/3", "S4-REQ-3 S4-REQ-7", LEVEL_MUST, "CD=3 (SOCKS5 UDP ASSOCIATE) is refused",
         REFUSE, 0, F_DESTRUCTIVE, cd_3},
        {"request/cd/128", "S4-REQ-3 S4-REQ-7", LEVEL_MUST, "CD=128 is refused", REFUSE, 0,
         F_DESTRUCTIVE, cd_128},
        {"request/cd/255", "S4-REQ-3 S4-REQ-7", LEVEL_MUST, "CD=255 is refused", REFUSE, 0,
         F_DESTRUCTIVE, cd_255},
        {"request/dstip/0.0.0.0", "S4A-8", LEVEL_SHOULD,
         "DSTIP 0.0.0.0 is no 4a marker: the bytes after USERID are not a hostname", REFUSE, 0,
         F_DESTRUCTIVE, dstip_zero},
        {"request/userid/empty", "S4-REQ-6 S4-REQ-1", LEVEL_MUST,
         "an empty USERID (a 9-byte request) is accepted", NULL, NEED_GRANT, 0, userid_empty},
        {"request/userid/1", "S4-REQ-6", LEVEL_MUST, "a 1-byte USERID is accepted", NULL, NEED_GRANT, 0,
         userid_1},
        {"request/userid/127", "S4-REQ-6 S4-ROBUST-5", LEVEL_SHOULD,
         "a 127-byte USERID is accepted and consumed exactly", NULL, NEED_GRANT, 0, userid_127},
        {"request/userid/255", "S4-REQ-6 S4-ROBUST-5", LEVEL_SHOULD,
         "a 255-byte USERID is accepted and consumed exactly", NULL, NEED_GRANT, 0, userid_255},
        {"request/userid/printable", "S4-REQ-6 S4-ROBUST-5", LEVEL_MUST,
         "a long printable USERID is consumed exactly up to its NUL", NULL, NEED_GRANT, 0, userid_printable},
        {"request/userid/high-bit", "S4-REQ-6 S4-ROBUST-5", LEVEL_MUST,
         "USERID bytes >= 0x80 are accepted and consumed exactly", NULL, NEED_GRANT, 0, userid_high_bit},
        {"request/userid/256", "S4-ROBUST-1", LEVEL_MUST,
         "a 256-byte USERID: refused or granted intact, no hang", NULL, NEED_REACH, F_DESTRUCTIVE,
         userid_256},
        {"request/userid/1023", "S4-ROBUST-1", LEVEL_MUST,
         "a 1023-byte USERID: refused or granted intact, no hang", NULL, NEED_REACH, F_DESTRUCTIVE,
         userid_1023},
        {"request/userid/4096", "S4-ROBUST-1", LEVEL_MUST,
         "a 4096-byte USERID: refused or granted intact, no hang", NULL, NEED_REACH, F_DESTRUCTIVE,
         userid_4096},
        {"request/header-only", "S4-REQ-1 S4-REQ-6", LEVEL_MUST,
         "an 8-byte request without its NUL is not granted", NULL, 0, F_DESTRUCTIVE, header_only},
        {"request/userid/no-nul", "S4-REQ-1 S4-REQ-6", LEVEL_MUST,
         "a USERID without its NUL is not granted", NULL, 0, F_DESTRUCTIVE, userid_no_nul},
};

const struct case_table cases_request = {cases, sizeof(cases) / sizeof(cases[0])};
