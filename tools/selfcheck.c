/* selfcheck.c - `make demo` until the conformance runner exists: decodes a
 * few sample requests and replies with lib/ and prints them. */
#include <stdio.h>
#include <stdlib.h>

#include "socks4.h"

static int show_request(const char *what, const uint8_t *buf, size_t len)
{
	struct s4_request req;
	int rc = s4_parse_request(buf, len, 0, &req);
	if (rc < 0) {
		printf("%-28s -> %s\n", what, s4_strerror(rc));
		return rc;
	}
	printf("%-28s -> %s %u.%u.%u.%u:%u user '%.*s'%s%.*s (%d bytes)\n", what, s4_cmd_str(req.cd),
	       req.dstip >> 24, (req.dstip >> 16) & 255, (req.dstip >> 8) & 255, req.dstip & 255,
	       req.dstport, (int)req.userid_len, req.userid, req.host ? " host " : "",
	       (int)req.host_len, req.host ? req.host : "", rc);
	return rc;
}

int main(void)
{
	static const uint8_t connect[] = "\x04\x01\x00\x50\x7f\x00\x00\x01" "bob";
	static const uint8_t socks4a[] = "\x04\x01\x01\xbb\x00\x00\x00\x01" "\0example.com";
	static const uint8_t socks5[] = "\x05\x01\x00";
	static const uint8_t reply[] = "\x00\x5b\x00\x00\x00\x00\x00\x00";
	int bad = 0;

	bad |= show_request("CONNECT 127.0.0.1:80", connect, sizeof(connect)) != 12;
	bad |= show_request("SOCKS4a CONNECT", socks4a, sizeof(socks4a)) != 21;
	bad |= show_request("SOCKS5 greeting", socks5, 3) != S4_EVERSION;
	bad |= show_request("CONNECT cut short", connect, 5) != S4_INCOMPLETE;

	struct s4_reply rep;
	bad |= s4_parse_reply(reply, 8, &rep) != 8 || rep.cd != S4_REP_REJECTED;
	printf("%-28s -> %d %s\n", "reply 00 5b ...", rep.cd, s4_reply_str(rep.cd));
	printf("%s\n", bad ? "selfcheck FAILED" : "selfcheck passed");
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}
