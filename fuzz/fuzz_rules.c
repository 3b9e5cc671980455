/* SPDX-License-Identifier: MIT */
/* fuzz_rules.c - the rules-file parser and matcher of socks4-server.
 *
 * Input: a rules file. User files are refused (RULES_NO_FILES): the fuzzer
 * must not read the machine's files. When the text parses, every rule is
 * checked for what the parser promises, and queries made from the input's
 * last bytes go through the matcher, which must return one of the rules. */
#include <string.h>

#include "common.h"
#include "rules.h"

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	uint8_t *text = fuzz_dup(data, size);
	struct rules *rs =
	        rules_parse((const char *)text, size, "fuzz", RULES_NO_FILES, err, sizeof(err));
	if (rs == NULL) {
		FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0, "error without file name: %s", err);
		free(text);
		return 0;
	}
	int last_line = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		FUZZ_CHECK(r->line > last_line, "rule %zu on line %d after line %d", i, r->line,
		           last_line);
		last_line = r->line;
		FUZZ_CHECK(r->action == RULE_PERMIT || r->action == RULE_DENY, "action %d",
		           r->action);
		FUZZ_CHECK(r->identd >= RULE_IDENTD_GLOBAL && r->identd <= IDENTD_STRICT,
		           "identd %d", r->identd);
		FUZZ_CHECK(r->op >= PORT_ANY && r->op <= PORT_GE, "op %d", r->op);
		FUZZ_CHECK(r->text != NULL && strlen(r->text) <= RULES_LINE_MAX, "text");
		FUZZ_CHECK(r->users == NULL || r->n_users > 0, "an empty user list");
		for (size_t u = 0; u < r->n_users; u++)
			FUZZ_CHECK(r->users[u][0] != '\0' && strchr(r->users[u], ',') == NULL,
			           "user '%s'", r->users[u]);
	}

	/* Queries from the last 14 bytes: src, dst, port, and a USERID that is
	 * either empty or a user of the first rule with a list. */
	if (size >= 14) {
		const uint8_t *q = data + size - 14;
		struct rule_query query = {.userid = "",
		                           .userid_len = 0,
		                           .src_is_ipv4 = q[0] & 1,
		                           .src = get32(q + 2),
		                           .dst = get32(q + 6),
		                           .port = (uint16_t)((q[10] << 8) | q[11])};
		for (size_t i = 0; i < rs->n && (q[1] & 1); i++) {
			if (rs->v[i].users != NULL) {
				query.userid = rs->v[i].users[0];
				query.userid_len = strlen(query.userid);
				break;
			}
		}
		const struct rule *m = rules_match(rs, &query);
		FUZZ_CHECK(m == NULL || (m >= rs->v && m < rs->v + rs->n),
		           "match outside the rules");
	}
	rules_free(rs);
	free(text);
	return 0;
}
