/* SPDX-License-Identifier: MIT */
/* rules.c - sockd.conf-style access rules. The syntax is in rules.h. */
#include "rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* action ?= *= src_addr src_mask dst_addr dst_mask op port */
#define MAX_FIELDS 9

struct parser {
	const char *name;
	int line;
	unsigned flags;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int perr(struct parser *p, const char *fmt, ...)
{
	if (p->err == NULL || p->errlen == 0)
		return -1;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Reads a whole file of at most RULES_FILE_MAX bytes; *out is NUL-terminated. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > RULES_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
		         RULES_FILE_MAX);
		close(fd);
		return -1;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf != NULL && got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (buf == NULL || got != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: %s", path, buf == NULL ? "out of memory" : "short read");
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static int add_user(struct parser *p, struct rule *r, const char *user, size_t n)
{
	char **v = realloc(r->users, (r->n_users + 1) * sizeof(*v));
	if (v == NULL)
		return perr(p, "out of memory");
	r->users = v;
	if ((v[r->n_users] = strndup(user, n)) == NULL)
		return perr(p, "out of memory");
	r->n_users++;
	return 0;
}

/* A user file: ids separated by blanks, tabs, commas or newlines; # comments. */
static int add_user_file(struct parser *p, struct rule *r, const char *path)
{
	char *text, ferr[256];
	size_t len;
	if (p->flags & RULES_NO_FILES)
		return perr(p, "user files are not allowed here: '%s'", path);
	if (read_file(path, &text, &len, ferr, sizeof(ferr)) < 0)
		return perr(p, "user list file %s", ferr);
	int rc = 0;
	size_t i = 0;
	while (rc == 0 && i < len) {
		if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
		} else if (strchr(" \t,\r\n", text[i]) != NULL || text[i] == '\0') {
			i++;
		} else {
			size_t start = i;
			while (i < len && text[i] != '\0' && strchr(" \t,\r\n#", text[i]) == NULL)
				i++;
			rc = add_user(p, r, text + start, i - start);
		}
	}
	free(text);
	if (rc == 0 && r->n_users == 0)
		return perr(p, "user list file %s holds no user-id", path);
	return rc;
}

/* "*=" value: user-ids and /files, comma-separated. */
static int parse_users(struct parser *p, struct rule *r, char *list)
{
	char *save = NULL;
	if (*list == '\0' || list[strlen(list) - 1] == ',' || strstr(list, ",,") != NULL ||
	    *list == ',')
		return perr(p, "empty entry in *= user list");
	for (char *u = strtok_r(list, ",", &save); u != NULL; u = strtok_r(NULL, ",", &save)) {
		int rc = u[0] == '/' ? add_user_file(p, r, u) : add_user(p, r, u, strlen(u));
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_identd(struct parser *p, struct rule *r, const char *v)
{
	if (strcmp(v, "I") == 0)
		r->identd = IDENTD_STRICT;
	else if (strcmp(v, "i") == 0)
		r->identd = IDENTD_LENIENT;
	else if (strcmp(v, "n") == 0 || *v == '\0')
		r->identd = IDENTD_OFF;
	else
		return perr(p, "?= must be I, i or n, not '%s'", v);
	return 0;
}

static int parse_addr(struct parser *p, const char *what, const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return perr(p, "%s '%s' is not a dotted-quad IPv4 address", what, s);
	*out = ntohl(a.s_addr);
	return 0;
}

static const char *const op_names[] = {"", "eq", "neq", "lt", "gt", "le", "ge"};

static enum port_op find_op(const char *s)
{
	for (int i = PORT_EQ; i <= PORT_GE; i++)
		if (strcmp(s, op_names[i]) == 0)
			return (enum port_op)i;
	return PORT_ANY;
}

static int parse_port(struct parser *p, const char *s, uint16_t *port)
{
	if (s[0] >= '0' && s[0] <= '9') {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (*end != '\0' || errno != 0 || v > 65535)
			return perr(p, "port '%s' is not a number in 0..65535", s);
		*port = (uint16_t)v;
		return 0;
	}
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyname_r(s, "tcp", &se, buf, sizeof(buf), &res) != 0 || res == NULL)
		return perr(p, "unknown TCP service '%s'", s);
	*port = ntohs((uint16_t)res->s_port);
	return 0;
}

/* "src_addr src_mask [dst_addr dst_mask] [op port]": 2, 4 or 6 fields. */
static int parse_addresses(struct parser *p, struct rule *r, char **f, int n)
{
	if (n < 2)
		return perr(p, "expected src_addr src_mask after the action");
	if (parse_addr(p, "src_addr", f[0], &r->src) < 0 ||
	    parse_addr(p, "src_mask", f[1], &r->src_mask) < 0)
		return -1;
	f += 2;
	n -= 2;
	if (n >= 2 && find_op(f[0]) == PORT_ANY) {
		if (parse_addr(p, "dst_addr", f[0], &r->dst) < 0 ||
		    parse_addr(p, "dst_mask", f[1], &r->dst_mask) < 0)
			return -1;
		f += 2;
		n -= 2;
	}
	if (n >= 1) {
		r->op = find_op(f[0]);
		if (r->op == PORT_ANY)
			return perr(p, "'%s' is not an operator (eq neq lt gt le ge)", f[0]);
		if (n < 2)
			return perr(p, "operator '%s' needs a port", f[0]);
		if (parse_port(p, f[1], &r->port) < 0)
			return -1;
		n -= 2;
	}
	if (n > 0)
		return perr(p, "unexpected field '%s'", f[2]);
	return 0;
}

static void rule_clear(struct rule *r)
{
	for (size_t i = 0; i < r->n_users; i++)
		free(r->users[i]);
	free(r->users);
	free(r->shell_cmd);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Parses one line (already without its newline) into r. Returns 1 for a
 * rule, 0 for a blank or comment line, -1 on error. */
static int parse_line(struct parser *p, char *line, struct rule *r)
{
	memset(r, 0, sizeof(*r));
	char *hash = strchr(line, '#');
	if (hash != NULL)
		*hash = '\0';
	char *cmd = strchr(line, ':');
	if (cmd != NULL)
		*cmd++ = '\0';
	line = trim(line);
	if (*line == '\0') {
		if (cmd != NULL)
			return perr(p, "shell command without a rule");
		return 0;
	}

	r->line = p->line;
	r->identd = RULE_IDENTD_GLOBAL;
	if ((r->text = strdup(line)) == NULL)
		return perr(p, "out of memory");
	if (cmd != NULL && (r->shell_cmd = strdup(trim(cmd))) == NULL)
		return perr(p, "out of memory");

	char *f[MAX_FIELDS] = {NULL}, *save = NULL;
	int n = 0;
	for (char *t = strtok_r(line, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == MAX_FIELDS)
			return perr(p, "too many fields");
		f[n++] = t;
	}

	if (n == 0)
		return perr(p, "empty rule"); /* cannot happen: the line is not blank */
	if (strcmp(f[0], "permit") == 0)
		r->action = RULE_PERMIT;
	else if (strcmp(f[0], "deny") == 0)
		r->action = RULE_DENY;
	else
		return perr(p, "expected permit or deny, not '%s'", f[0]);
	int i = 1;
	if (i < n && strncmp(f[i], "?=", 2) == 0 && parse_identd(p, r, f[i++] + 2) < 0)
		return -1;
	if (i < n && strncmp(f[i], "*=", 2) == 0 && parse_users(p, r, f[i++] + 2) < 0)
		return -1;
	if (parse_addresses(p, r, f + i, n - i) < 0)
		return -1;
	return 1;
}

struct rules *rules_parse(const char *text, size_t len, const char *name, unsigned flags, char *err,
                          size_t errlen)
{
	struct parser p = {.name = name, .flags = flags, .err = err, .errlen = errlen};
	struct rules *rs = calloc(1, sizeof(*rs));
	if (rs == NULL || (rs->name = strdup(name)) == NULL) {
		free(rs);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}

	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char line[RULES_LINE_MAX + 1];
		p.line++;
		if (n > RULES_LINE_MAX) {
			perr(&p, "line longer than %d characters", RULES_LINE_MAX);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (memchr(line, '\0', n) != NULL) {
			perr(&p, "NUL byte in the line");
			goto fail;
		}

		struct rule r;
		int rc = parse_line(&p, line, &r);
		if (rc < 0) {
			rule_clear(&r);
			goto fail;
		}
		if (rc == 0)
			continue;
		struct rule *v = realloc(rs->v, (rs->n + 1) * sizeof(*v));
		if (v == NULL) {
			rule_clear(&r);
			perr(&p, "out of memory");
			goto fail;
		}
		rs->v = v;
		rs->v[rs->n++] = r;
	}
	return rs;
fail:
	rules_free(rs);
	return NULL;
}

struct rules *rules_load(const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	if (read_file(path, &text, &len, err, errlen) < 0)
		return NULL;
	struct rules *rs = rules_parse(text, len, path, 0, err, errlen);
	free(text);
	return rs;
}

static int port_matches(enum port_op op, uint16_t want, uint16_t port)
{
	switch (op) {
	case PORT_ANY:
		return 1;
	case PORT_EQ:
		return port == want;
	case PORT_NEQ:
		return port != want;
	case PORT_LT:
		return port < want;
	case PORT_GT:
		return port > want;
	case PORT_LE:
		return port <= want;
	case PORT_GE:
		return port >= want;
	}
	return 0;
}

static int user_matches(const struct rule *r, const struct rule_query *q)
{
	if (r->users == NULL)
		return 1;
	for (size_t i = 0; i < r->n_users; i++)
		if (strlen(r->users[i]) == q->userid_len &&
		    memcmp(r->users[i], q->userid, q->userid_len) == 0)
			return 1;
	return 0;
}

static int src_matches(const struct rule *r, const struct rule_query *q)
{
	if (!q->src_is_ipv4)
		return r->src_mask == 0;
	return (q->src & r->src_mask) == (r->src & r->src_mask);
}

const struct rule *rules_match(const struct rules *rs, const struct rule_query *q)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		if (user_matches(r, q) && src_matches(r, q) &&
		    (q->dst & r->dst_mask) == (r->dst & r->dst_mask) &&
		    port_matches(r->op, r->port, q->port))
			return r;
	}
	return NULL;
}

void rules_free(struct rules *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_clear(&rs->v[i]);
	free(rs->v);
	free(rs->name);
	free(rs);
}

const char *rule_action_str(enum rule_action a)
{
	return a == RULE_PERMIT ? "permit" : "deny";
}

const char *port_op_str(enum port_op op)
{
	return op >= PORT_EQ && op <= PORT_GE ? op_names[op] : "any";
}
