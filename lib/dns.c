/* SPDX-License-Identifier: MIT */
/* dns.c - a DNS query for one A record and its answer. The contract is in dns.h. */
#include "dns.h"

#include <string.h>
#include <strings.h>

#define LABELS_MAX 128 /* a 255-octet name has at most 127 labels: a bound for loops */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int label_byte_ok(uint8_t b)
{
	return b > 0x20 && b < 0x7f && b != '.' && b != '\\';
}

int dns_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0;
	if (len > DNS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0; /* an empty label: "a..b", ".a" */
			label = 0;
		} else if (!label_byte_ok((uint8_t)name[i]) || ++label > DNS_LABEL_MAX) {
			return 0;
		}
	}
	return len == 0 || label > 0; /* "" is the root; "a." is refused */
}

/* Encodes name as labels at out (if it fits cap); returns the octets needed. */
static size_t put_name(uint8_t *out, size_t cap, const char *name)
{
	size_t need = 0, len = strlen(name);
	size_t start = 0;
	while (start < len) {
		const char *dot = memchr(name + start, '.', len - start);
		size_t end = dot != NULL ? (size_t)(dot - name) : len;
		size_t l = end - start;
		if (need + 1 + l <= cap) {
			out[need] = (uint8_t)l;
			memcpy(out + need + 1, name + start, l);
		}
		need += 1 + l;
		start = end + 1;
	}
	if (need + 1 <= cap)
		out[need] = 0;
	return need + 1;
}

/* Reads an uncompressed name at buf[*off] into text (DNS_NAME_MAX + 1). */
static int get_name(const uint8_t *buf, size_t len, size_t *off, char *text)
{
	size_t o = *off, t = 0;
	for (int labels = 0; labels < LABELS_MAX; labels++) {
		if (o >= len)
			return DNS_ESHORT;
		uint8_t l = buf[o++];
		if (l == 0) {
			text[t] = '\0';
			*off = o;
			return 0;
		}
		if (l > DNS_LABEL_MAX)
			return DNS_ENAME; /* a pointer (0xC0) or a reserved kind: not in a question */
		if (len - o < l)
			return DNS_ESHORT;
		if (t + (t > 0) + l > DNS_NAME_MAX)
			return DNS_ENAME;
		if (t > 0)
			text[t++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			if (!label_byte_ok(buf[o + i]))
				return DNS_ENAME;
			text[t++] = (char)buf[o + i];
		}
		o += l;
	}
	return DNS_ENAME;
}

/* Steps over a name that may end in a compression pointer. */
static int skip_name(const uint8_t *buf, size_t len, size_t *off)
{
	size_t o = *off;
	for (int labels = 0; labels < LABELS_MAX; labels++) {
		if (o >= len)
			return DNS_ESHORT;
		uint8_t l = buf[o++];
		if (l == 0) {
			*off = o;
			return 0;
		}
		if ((l & 0xC0) == 0xC0) {
			if (o >= len)
				return DNS_ESHORT;
			*off = o + 1;
			return 0;
		}
		if (l > DNS_LABEL_MAX)
			return DNS_ENAME;
		if (len - o < l)
			return DNS_ESHORT;
		o += l;
	}
	return DNS_ENAME;
}

int dns_parse_query(const uint8_t *buf, size_t len, struct dns_question *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNS_HEADER_LEN)
		return DNS_ESHORT;
	q->id = get16(buf);
	q->flags = get16(buf + 2);
	if ((q->flags & DNS_FLAG_QR) || DNS_OPCODE(q->flags) != 0 || get16(buf + 4) != 1)
		return DNS_EFORMAT;
	size_t off = DNS_HEADER_LEN;
	int rc = get_name(buf, len, &off, q->name);
	if (rc < 0) {
		q->name[0] = '\0';
		return rc;
	}
	if (len - off < 4) {
		q->name[0] = '\0';
		return DNS_ESHORT;
	}
	q->qtype = get16(buf + off);
	q->qclass = get16(buf + off + 2);
	q->len = off + 4;
	if (q->qtype == 0) { /* reserved (RFC 6895); 0 also means "no question" to the writer */
		q->name[0] = '\0';
		return DNS_EFORMAT;
	}
	return 0;
}

/* Writes the parts that fit; returns the length of the whole. */
static int emit(uint8_t *out, size_t cap, uint16_t id, uint16_t flags, const char *name,
                uint16_t qtype, uint16_t qclass, const uint32_t *addrs, size_t naddrs)
{
	if (qtype != 0 && !dns_name_ok(name))
		return -1;
	size_t need = DNS_HEADER_LEN;
	if (need <= cap) {
		put16(out, id);
		put16(out + 2, flags);
		put16(out + 4, qtype != 0);
		put16(out + 6, (uint16_t)naddrs);
		put16(out + 8, 0);
		put16(out + 10, 0);
	}
	if (qtype != 0) {
		need += put_name(need <= cap ? out + need : out, need <= cap ? cap - need : 0, name);
		if (need + 4 <= cap) {
			put16(out + need, qtype);
			put16(out + need + 2, qclass);
		}
		need += 4;
	}
	for (size_t i = 0; i < naddrs; i++) {
		/* C0 0C: the name of the question at offset 12; A, IN, TTL 0, 4 octets */
		if (need + 16 <= cap) {
			uint8_t *p = out + need;
			put16(p, 0xC00C);
			put16(p + 2, DNS_TYPE_A);
			put16(p + 4, DNS_CLASS_IN);
			put16(p + 6, 0);
			put16(p + 8, 0);
			put16(p + 10, 4);
			put16(p + 12, (uint16_t)(addrs[i] >> 16));
			put16(p + 14, (uint16_t)addrs[i]);
		}
		need += 16;
	}
	return need > 65535 ? -1 : (int)need;
}

/* All or nothing, as snprintf: nothing is written unless the whole fits. */
static int write_message(uint8_t *out, size_t cap, uint16_t id, uint16_t flags, const char *name,
                         uint16_t qtype, uint16_t qclass, const uint32_t *addrs, size_t naddrs)
{
	int need = emit(out, 0, id, flags, name, qtype, qclass, addrs, naddrs);
	if (need < 0 || (size_t)need > cap)
		return need;
	return emit(out, cap, id, flags, name, qtype, qclass, addrs, naddrs);
}

int dns_write_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	if (qtype == 0)
		return -1;
	return write_message(out, cap, id, DNS_FLAG_RD, name, qtype, DNS_CLASS_IN, NULL, 0);
}

int dns_write_answer(uint8_t *out, size_t cap, const struct dns_question *q, int rcode,
                     const uint32_t *addrs, size_t naddrs)
{
	uint16_t flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_RA |
	                            (q->flags & DNS_FLAG_RD) | (rcode & 0xF));
	int a_in = q->qtype == DNS_TYPE_A && q->qclass == DNS_CLASS_IN;
	if (rcode != DNS_RCODE_NOERROR || !a_in)
		naddrs = 0;
	else if (naddrs > DNS_ANSWERS_MAX)
		naddrs = DNS_ANSWERS_MAX;
	return write_message(out, cap, q->id, flags, q->name, q->qtype, q->qclass, addrs, naddrs);
}

int dns_parse_answer(const uint8_t *buf, size_t len, uint16_t id, const char *name,
                     uint32_t *addrs, size_t max, size_t *n, int *rcode, int *truncated)
{
	*n = 0;
	*rcode = -1;
	*truncated = 0;
	if (len < DNS_HEADER_LEN)
		return DNS_ESHORT;
	uint16_t flags = get16(buf + 2);
	if (get16(buf) != id)
		return DNS_EMISMATCH;
	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0)
		return DNS_EFORMAT;
	*rcode = DNS_RCODE(flags);
	*truncated = (flags & DNS_FLAG_TC) != 0;
	uint16_t qd = get16(buf + 4), an = get16(buf + 6);
	if (qd > 1)
		return DNS_EFORMAT;
	size_t off = DNS_HEADER_LEN;
	if (qd == 1) {
		char qname[DNS_NAME_MAX + 1];
		int rc = get_name(buf, len, &off, qname);
		if (rc < 0)
			return rc;
		if (len - off < 4)
			return DNS_ESHORT;
		if (strcasecmp(qname, name) != 0 || get16(buf + off) != DNS_TYPE_A)
			return DNS_EMISMATCH;
		off += 4;
	}
	for (uint16_t i = 0; i < an; i++) {
		int rc = skip_name(buf, len, &off);
		if (rc < 0)
			return rc;
		if (len - off < 10)
			return DNS_ESHORT;
		uint16_t type = get16(buf + off), cls = get16(buf + off + 2);
		uint16_t rdlen = get16(buf + off + 8);
		off += 10;
		if (len - off < rdlen)
			return DNS_ESHORT;
		if (type == DNS_TYPE_A && cls == DNS_CLASS_IN && rdlen == 4 && *n < max)
			addrs[(*n)++] = (uint32_t)get16(buf + off) << 16 | get16(buf + off + 2);
		off += rdlen;
	}
	return 0;
}
