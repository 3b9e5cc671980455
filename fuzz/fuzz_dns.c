/* SPDX-License-Identifier: MIT */
/* fuzz_dns.c - dns_parse_query, dns_parse_answer, dns_write_query and
 * dns_write_answer (lib/dns.h).
 *
 * Input: one mode byte, then a DNS message as received. Mode bit 0 clear: a
 * query (what the runner's name service reads); set: an answer (what
 * socks4-server --resolver reads), to the query ID in its first two octets
 * for the name "socks4-test.invalid" (so seeds can match it) or, with mode
 * bit 1, for the name in mode-chosen bytes. Properties: results are 0 or a
 * documented code; an accepted query names a name dns_name_ok() accepts
 * and no more than its length; the answer written for it parses back to
 * the same addresses; the query written for its name parses back to the
 * same name and type; writers never write past a small buffer; an answer
 * reads no more A records than asked for. */
#include <string.h>

#include "common.h"
#include "dns.h"

static const uint32_t ADDRS[2] = {0x7f000001, 0x0a000002};

static int documented(int rc)
{
	return rc == 0 || rc == DNS_ESHORT || rc == DNS_ENAME || rc == DNS_EFORMAT ||
	       rc == DNS_EMISMATCH;
}

static void query(const uint8_t *msg, size_t len)
{
	struct dns_question q;
	int rc = dns_parse_query(msg, len, &q);
	FUZZ_CHECK(documented(rc) && rc != DNS_EMISMATCH, "result %d", rc);
	if (rc != 0)
		return;
	FUZZ_CHECK(q.len <= len && q.len >= DNS_HEADER_LEN + 5, "length %zu of %zu", q.len, len);
	FUZZ_CHECK(dns_name_ok(q.name), "accepted a name it cannot write: %s", q.name);

	uint8_t *small = malloc(16);
	if (small == NULL)
		abort();
	memset(small, 0xAA, 16);
	int need = dns_write_answer(small, 15, &q, DNS_RCODE_NOERROR, ADDRS, 2);
	FUZZ_CHECK(need > 15 && fuzz_all(small, 15, 0xAA), "answer writer overran");
	free(small);
	uint8_t *out = malloc((size_t)need);
	if (out == NULL)
		abort();
	FUZZ_CHECK(dns_write_answer(out, (size_t)need, &q, DNS_RCODE_NOERROR, ADDRS, 2) == need,
	           "answer writer changed its mind");
	if (q.qtype == DNS_TYPE_A && q.qclass == DNS_CLASS_IN) {
		uint32_t got[4];
		size_t n;
		int rcode, tc;
		rc = dns_parse_answer(out, (size_t)need, q.id, q.name, got, 4, &n, &rcode, &tc);
		FUZZ_CHECK(rc == 0 && rcode == 0 && !tc && n == 2 && got[0] == ADDRS[0] &&
		                   got[1] == ADDRS[1],
		           "our answer reads back as rc %d rcode %d n %zu", rc, rcode, n);
	}
	free(out);

	uint8_t again[DNS_UDP_MAX];
	int qn = dns_write_query(again, sizeof(again), q.id, q.name, q.qtype);
	FUZZ_CHECK(qn > 0 && (size_t)qn <= sizeof(again), "query writer refused %s", q.name);
	struct dns_question q2;
	FUZZ_CHECK(dns_parse_query(again, (size_t)qn, &q2) == 0 && strcmp(q2.name, q.name) == 0 &&
	                   q2.qtype == q.qtype && q2.id == q.id,
	           "our query reads back differently");
}

static void answer(const uint8_t *msg, size_t len, unsigned mode)
{
	char name[DNS_NAME_MAX + 1] = "socks4-test.invalid";
	if ((mode & 2) && len > 0) {
		size_t k = (mode >> 2) % (len + 1) % sizeof(name);
		memcpy(name, msg, k);
		name[k] = '\0';
		for (size_t i = 0; i < k; i++)
			if (name[i] == '\0')
				name[i] = '.';
	}
	uint16_t id = len >= 2 ? (uint16_t)(msg[0] << 8 | msg[1]) : 0;
	uint32_t addrs[3];
	size_t n = 99;
	int rcode, tc;
	int rc = dns_parse_answer(msg, len, id, name, addrs, 3, &n, &rcode, &tc);
	FUZZ_CHECK(documented(rc), "result %d", rc);
	FUZZ_CHECK(n <= 3, "%zu addresses for room of 3", n);
	FUZZ_CHECK(rc != 0 || (rcode >= 0 && rcode <= 15), "rcode %d", rcode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t len = size - 1;
	uint8_t *msg = fuzz_dup(data + 1, len);
	if (data[0] & 1)
		answer(msg, len, data[0]);
	else
		query(msg, len);
	free(msg);
	return 0;
}
