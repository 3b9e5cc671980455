/* SPDX-License-Identifier: MIT */
/* trace.c - text forms of requests and replies. The contract is in trace.h. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC 1000000
#define NS_PER_US 1000
#define US_PER_MS 1000.0

/* Appends to out[*len..cap) like snprintf; *len stops at cap - 1. */
__attribute__((format(printf, 4, 5))) static void append(char *out, size_t cap, size_t *len,
                                                         const char *fmt, ...)
{
	if (*len >= cap - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*len += (size_t)n;
	if (*len > cap - 1)
		*len = cap - 1;
}

char *trace_ip4(uint32_t ip, char *out, size_t cap)
{
	snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xffu, (ip >> 8) & 0xffu,
	         ip & 0xffu);
	return out;
}

char *trace_hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t len = 0;
	size_t shown = n < TRACE_HEX_BYTES ? n : TRACE_HEX_BYTES;
	out[0] = '\0';
	for (size_t i = 0; i < shown; i++)
		append(out, cap, &len, i == 0 ? "%02x" : " %02x", b[i]);
	if (shown < n)
		append(out, cap, &len, " ... (%zu more)", n - shown);
	return out;
}

/* A USERID or hostname as a quoted string: printable ASCII as is, the rest
 * (and the quote and backslash) escaped, so odd octets stay visible. */
static void append_quoted(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
	append(out, cap, len, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= ' ' && c <= '~' && c != '"' && c != '\\')
			append(out, cap, len, "%c", c);
		else
			append(out, cap, len, "\\x%02x", c);
	}
	append(out, cap, len, "\"");
}

char *trace_request(const struct s4_request *req, char *out, size_t cap)
{
	char ip[TRACE_IP4_MAX];
	size_t len = 0;
	out[0] = '\0';
	append(out, cap, &len, "VN %u, CD %u (%s), DSTPORT %u, DSTIP %s", req->vn, req->cd,
	       s4_cmd_str(req->cd), req->dstport, trace_ip4(req->dstip, ip, sizeof(ip)));
	if (s4_is_4a(req->dstip))
		append(out, cap, &len, " (SOCKS4a marker)");
	append(out, cap, &len, ", USERID ");
	append_quoted(out, cap, &len, req->userid, req->userid_len);
	if (req->host != NULL) {
		append(out, cap, &len, ", HOST ");
		append_quoted(out, cap, &len, req->host, req->host_len);
	}
	return out;
}

char *trace_reply(const struct s4_reply *rep, char *out, size_t cap)
{
	char ip[TRACE_IP4_MAX];
	snprintf(out, cap, "VN %u, CD %u (%s), DSTPORT %u, DSTIP %s", rep->vn, rep->cd,
	         s4_reply_str(rep->cd), rep->dstport, trace_ip4(rep->dstip, ip, sizeof(ip)));
	return out;
}

int64_t trace_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / NS_PER_US;
}

double trace_ms_since(int64_t t0_us)
{
	return (double)(trace_now_us() - t0_us) / US_PER_MS;
}
