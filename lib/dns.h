/* SPDX-License-Identifier: MIT */
/* dns.h - the few DNS messages socks4kit needs (RFC 1035): a query for one
 * name's A record, and its answer. The runner's name service (conformance/
 * dnsd.c) parses queries and writes answers; socks4-server --resolver writes
 * queries and parses answers (lib/net.c net_resolve4_dns).
 *
 * Pure: no I/O, no allocation, no globals. Parsers reset their output on
 * entry and return 0 or a negative DNS_E* code; writers follow snprintf:
 * they return the length needed and write only when it fits (negative for a
 * name that cannot be encoded). Names are text: labels joined by '.', no
 * trailing dot, printable ASCII except '.' and '\\' inside a label (anything
 * else is refused as DNS_ENAME: no name the runner hands out needs more).
 *
 *     +--+--+--+--+--+--+--+--+--+--+--+--+
 *     | ID  |FLAGS|QDCOUNT|ANCOUNT|NSCOUNT|ARCOUNT|   header, 12 octets
 *     +--+--+--+--+--+--+--+--+--+--+--+--+
 *     | QNAME (labels) | QTYPE | QCLASS |            question
 *     | NAME | TYPE | CLASS | TTL | RDLENGTH | RDATA |  answers (A: 4 octets)
 */
#ifndef SOCKS4KIT_DNS_H
#define SOCKS4KIT_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_UDP_MAX 512    /* RFC 1035 4.2.1: without EDNS, a UDP message is at most 512 */
#define DNS_TCP_MAX 4096   /* what we accept over TCP: our messages are a few hundred octets */
#define DNS_NAME_MAX 253   /* text form, RFC 1035 2.3.4 (255 octets on the wire) */
#define DNS_LABEL_MAX 63
#define DNS_ANSWERS_MAX 32 /* answers read from one message; more are ignored */

#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

#define DNS_FLAG_QR 0x8000 /* a response */
#define DNS_FLAG_AA 0x0400 /* authoritative */
#define DNS_FLAG_TC 0x0200 /* truncated: ask again over TCP */
#define DNS_FLAG_RD 0x0100 /* recursion desired */
#define DNS_FLAG_RA 0x0080 /* recursion available */
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xF)
#define DNS_RCODE(flags) ((flags)&0xF)

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/* Errors */
#define DNS_ESHORT (-1)    /* the message ends inside a field */
#define DNS_ENAME (-2)     /* a name we do not read (pointer in a question, bad byte, too long) */
#define DNS_EFORMAT (-3)   /* not the expected kind of message (QR bit, counts, opcode) */
#define DNS_EMISMATCH (-4) /* an answer to another query (ID or question) */

struct dns_question {
	uint16_t id;
	uint16_t flags;
	char name[DNS_NAME_MAX + 1]; /* NUL-terminated, as sent (case kept) */
	uint16_t qtype, qclass;
	size_t len; /* header and question: where the rest of the message begins */
};

/* Reads a query: the header and its one question. A query (QR 0, opcode 0)
 * with QDCOUNT 1 whose name is readable and whose QTYPE is not 0 returns 0; anything else a DNS_E*
 * code, with q->id (and q->flags) filled whenever the header was there, so
 * that a responder can still answer FORMERR. */
int dns_parse_query(const uint8_t *buf, size_t len, struct dns_question *q);

/* Writes a query for name's qtype with recursion desired. */
int dns_write_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* Writes the answer to q: rcode, the question again (none when q->qtype is 0,
 * as for a query that did not parse), and one A record (TTL 0)
 * per address (host byte order) when q asks for A/IN. */
int dns_write_answer(uint8_t *out, size_t cap, const struct dns_question *q, int rcode,
                     const uint32_t *addrs, size_t naddrs);

/* Reads the answer to the query (id, name, qtype A): *rcode, *truncated (TC),
 * and the addresses of its A/IN records (host byte order, up to max, *n of
 * them). Names in answers may be compressed; only their extent is read. */
int dns_parse_answer(const uint8_t *buf, size_t len, uint16_t id, const char *name,
                     uint32_t *addrs, size_t max, size_t *n, int *rcode, int *truncated);

/* Is name one dns_write_query can encode? 1 yes, 0 no. */
int dns_name_ok(const char *name);

#endif
