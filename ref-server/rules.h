/* SPDX-License-Identifier: MIT */
/* rules.h - access rules in the syntax of the original sockd.conf(5).
 *
 *   permit|deny [?=I|i|n] [*=user,...|/file] src_addr src_mask [dst_addr dst_mask] [op port] [:
 * shell_cmd]
 *
 * - Fields are separated by blanks and tabs; `#` starts a comment anywhere
 *   (so the special #NO_IDENTD: and #BAD_ID: lines are comments here);
 *   blank lines are allowed; a line holds at most RULES_LINE_MAX characters.
 * - ?=I strict identd, ?=i lenient, ?=n (or an empty ?=) off: overrides the
 *   server's global --identd for requests this line matches.
 * - *=list: user-ids and absolute file names, comma-separated, no blanks.
 *   A file holds user-ids separated by blanks, tabs, commas or newlines, with
 *   `#` comments; it is read when the rules are loaded (and again on reload).
 *   Without *=, the line applies to every user. User-ids compare exactly.
 * - Addresses and masks are dotted quads with NEC semantics: a mask bit of 1
 *   is significant, (addr & mask) == (peer & mask); mask 0.0.0.0 matches
 *   anything. Without dst_addr dst_mask any destination matches. An IPv6
 *   client matches only a src mask of 0.0.0.0.
 * - op is eq neq lt gt le ge; port is a number (0..65535) or a TCP service
 *   name from /etc/services.
 * - ": shell_cmd" is kept and logged when the line matches, never executed.
 * - Lines are tried top to bottom; the first match wins; no match denies.
 * Any malformed line is an error naming the file and line: nothing is
 * skipped silently.
 */
#ifndef SOCKS4KIT_RULES_H
#define SOCKS4KIT_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "identd.h"

#define RULES_LINE_MAX 1023          /* the original's limit */
#define RULES_FILE_MAX (1024 * 1024) /* rules files and user files */

enum rule_action { RULE_PERMIT, RULE_DENY };

/* A rule's identd field: an enum identd_mode from ?=, or this when the line
 * has no ?= and the server's global mode applies. */
#define RULE_IDENTD_GLOBAL (-1)

enum port_op { PORT_ANY, PORT_EQ, PORT_NEQ, PORT_LT, PORT_GT, PORT_LE, PORT_GE };

struct rule {
	int line; /* 1-based line number in the file */
	enum rule_action action;
	int identd;   /* enum identd_mode, or RULE_IDENTD_GLOBAL */
	char **users; /* NULL: any user */
	size_t n_users;
	uint32_t src, src_mask; /* host byte order */
	uint32_t dst, dst_mask;
	enum port_op op;
	uint16_t port;
	char *shell_cmd; /* NULL when absent; never executed */
	char *text;      /* the line as written, without its comment */
};

struct rules {
	char *name; /* file name for messages */
	struct rule *v;
	size_t n;
};

/* What a request looks like to the rules. */
struct rule_query {
	const char *userid; /* not NUL-terminated */
	size_t userid_len;
	int src_is_ipv4; /* 0 for an IPv6 client */
	uint32_t src;    /* host byte order, when src_is_ipv4 */
	uint32_t dst;    /* the destination after any 4a resolution */
	uint16_t port;
};

/* rules_parse flags */
#define RULES_NO_FILES 0x1u /* "*=/file" is an error (the fuzz target sets it) */

/* Parses rules from text[0..len) (need not be NUL-terminated); `name` names
 * the source in errors ("FILE:LINE: what is wrong"). Returns NULL with err
 * set on any malformed line. */
struct rules *rules_parse(const char *text, size_t len, const char *name, unsigned flags, char *err,
                          size_t errlen);

/* Reads and parses a rules file. */
struct rules *rules_load(const char *path, char *err, size_t errlen);

/* The first rule that matches, or NULL (which means deny). */
const struct rule *rules_match(const struct rules *r, const struct rule_query *q);

void rules_free(struct rules *r);

const char *rule_action_str(enum rule_action a);
const char *port_op_str(enum port_op op);

#endif
