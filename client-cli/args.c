/* SPDX-License-Identifier: MIT */
/* args.c - socks4-client's command line. The contract is in args.h. */
#include "args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"
#include "socks4.h"

#define MS_PER_S 1000
#define PORT_MAX 65535
#define HEX_BASE 16

/* Long-only options get values above any character. */
enum {
	OPT_PROXY = 256,
	OPT_4A,
	OPT_USER,
	OPT_BIND,
	OPT_BIND_INFO,
	OPT_RAW,
	OPT_RAW_FILE,
	OPT_RELAY,
	OPT_TIMEOUT,
	OPT_VERSION,
};

static const struct option long_opts[] = {
        {"proxy", required_argument, NULL, OPT_PROXY},
        {"4a", no_argument, NULL, OPT_4A},
        {"user", required_argument, NULL, OPT_USER},
        {"bind", no_argument, NULL, OPT_BIND},
        {"bind-info", required_argument, NULL, OPT_BIND_INFO},
        {"raw", required_argument, NULL, OPT_RAW},
        {"raw-file", required_argument, NULL, OPT_RAW_FILE},
        {"relay", no_argument, NULL, OPT_RELAY},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
};

/* What the options said before they are checked against each other. */
struct given_opts {
	const char *user;      /* --user, or NULL for the default */
	const char *raw_hex;   /* --raw */
	const char *raw_file;  /* --raw-file */
	const char *bind_info; /* --bind-info */
	int have_timeout;
};

__attribute__((format(printf, 3, 4))) static int usage_error(char *msg, size_t msglen,
                                                             const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return ARGS_ERROR;
}

const char *args_default_user(char *out, size_t cap)
{
	/* The login name is what identd reports for us, so it is the USERID an
	 * identd-checking server (92/93) expects. */
	const struct passwd *pw = getpwuid(geteuid());
	int n = snprintf(out, cap, "%s", pw != NULL ? pw->pw_name : "");
	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0';
	return out;
}

/* A port in min..65535. */
static int parse_port(const char *s, unsigned min, uint16_t *port)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || s[0] == '+' || v < min ||
	    v > PORT_MAX)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Seconds, decimals allowed, in (0, ARGS_TIMEOUT_MAX_S], as milliseconds. */
static int parse_timeout(const char *s, int *ms)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v <= 0 ||
	    v > ARGS_TIMEOUT_MAX_S)
		return -1;
	/* Round up, so a tiny timeout is 1 ms rather than none. */
	double m = v * MS_PER_S;
	int whole = (int)m;
	*ms = whole < m ? whole + 1 : whole;
	return 0;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "04 01 00 50 7f000001 00": pairs of hex digits; blanks and colons between
 * bytes are allowed so a dump can be pasted as it is. */
static int parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len, char *msg, size_t msglen)
{
	size_t n = 0;
	for (const char *p = s; *p != '\0';) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == ':') {
			p++;
			continue;
		}
		int hi = hex_digit((unsigned char)p[0]);
		int lo = hi < 0 ? -1 : hex_digit((unsigned char)p[1]);
		if (hi < 0 || lo < 0)
			return usage_error(
			        msg, msglen,
			        "--raw: expected a pair of hex digits at offset %zu: '%s'",
			        (size_t)(p - s), p);
		if (n == cap)
			return usage_error(msg, msglen, "--raw: more than %zu bytes", cap);
		out[n++] = (uint8_t)(hi * HEX_BASE + lo);
		p += 2;
	}
	if (n == 0)
		return usage_error(msg, msglen, "--raw: no bytes given");
	*len = n;
	return ARGS_RUN;
}

/* The whole of a file, at most cap bytes. A FIFO could make this wait, so
 * reads go through net_read_some with the --timeout deadline. */
static int read_raw_file(const char *path, int timeout_ms, uint8_t *out, size_t cap, size_t *len,
                         char *msg, size_t msglen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return usage_error(msg, msglen, "--raw-file %s: %s", path, strerror(errno));
	int64_t deadline = net_deadline(timeout_ms);
	size_t n = 0;
	char err[CLIENT_MSG_MAX];
	for (;;) {
		uint8_t probe;
		/* One byte past the bound tells "exactly cap" from "too long". */
		uint8_t *dst = n < cap ? out + n : &probe;
		ssize_t r =
		        net_read_some(fd, dst, n < cap ? cap - n : 1, deadline, err, sizeof(err));
		if (r < 0) {
			close(fd);
			return usage_error(msg, msglen, "--raw-file %s: %s", path, err);
		}
		if (r == 0)
			break;
		if (n == cap) {
			close(fd);
			return usage_error(msg, msglen, "--raw-file %s: more than %zu bytes", path,
			                   cap);
		}
		n += (size_t)r;
	}
	close(fd);
	if (n == 0)
		return usage_error(msg, msglen, "--raw-file %s: the file is empty", path);
	*len = n;
	return ARGS_RUN;
}

/* Reads the options into a->opts and r. Returns ARGS_RUN to go on. */
static int parse_options(int argc, char **argv, struct args *a, struct given_opts *r, char *msg,
                         size_t msglen)
{
	struct client_opts *o = &a->opts;
	int c;
	opterr = 0; /* our own messages, not getopt's */
	while ((c = getopt_long(argc, argv, ":hv", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROXY:
			o->proxy = optarg;
			break;
		case OPT_4A:
			o->socks4a = 1;
			break;
		case OPT_USER:
			r->user = optarg;
			break;
		case OPT_BIND:
			o->bind = 1;
			break;
		case OPT_BIND_INFO:
			r->bind_info = optarg;
			break;
		case OPT_RAW:
			r->raw_hex = optarg;
			break;
		case OPT_RAW_FILE:
			r->raw_file = optarg;
			break;
		case OPT_RELAY:
			o->raw_relay = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_timeout(optarg, &o->timeout_ms) < 0)
				return usage_error(msg, msglen,
				                   "--timeout %s: expected seconds in (0, %d]",
				                   optarg, ARGS_TIMEOUT_MAX_S);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			return ARGS_HELP;
		case OPT_VERSION:
			return ARGS_VERSION;
		case ':':
			return usage_error(msg, msglen, "%s needs a value", argv[optind - 1]);
		default:
			/* optopt names an unknown short option, even inside "-vx". */
			if (optopt != 0)
				return usage_error(msg, msglen, "unknown option '-%c'", optopt);
			return usage_error(msg, msglen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	return ARGS_RUN;
}

/* --proxy HOST:PORT, split into a->proxy_host and the port. */
static int check_proxy(struct args *a, char *msg, size_t msglen)
{
	struct client_opts *o = &a->opts;
	char err[CLIENT_MSG_MAX];
	if (o->proxy == NULL)
		return usage_error(msg, msglen, "--proxy HOST:PORT is required");
	if (net_split_hostport(o->proxy, 0, a->proxy_host, sizeof(a->proxy_host), &o->proxy_port,
	                       err, sizeof(err)) < 0)
		return usage_error(msg, msglen, "--proxy %s", err);
	o->proxy_host = a->proxy_host;
	return ARGS_RUN;
}

/* --raw / --raw-file: the bytes, and no option that shapes a request. */
static int check_raw(struct args *a, const struct given_opts *r, int npos, char *msg, size_t msglen)
{
	struct client_opts *o = &a->opts;
	if (r->raw_hex != NULL && r->raw_file != NULL)
		return usage_error(msg, msglen, "--raw and --raw-file exclude each other");
	if (o->socks4a || o->bind || r->user != NULL || r->bind_info != NULL)
		return usage_error(msg, msglen,
		                   "--raw sends the bytes as given: --4a, --bind, --bind-info and "
		                   "--user do not apply");
	if (npos != 0)
		return usage_error(msg, msglen, "--raw takes no HOST PORT: the bytes hold them");
	int rc = r->raw_hex != NULL
	                 ? parse_hex(r->raw_hex, a->raw, sizeof(a->raw), &o->raw_len, msg, msglen)
	                 : read_raw_file(r->raw_file, o->timeout_ms, a->raw, sizeof(a->raw),
	                                 &o->raw_len, msg, msglen);
	o->raw = a->raw;
	return rc;
}

/* HOST for a built request: what SOCKS4 and 4a can carry. */
static int check_host(const struct client_opts *o, char *msg, size_t msglen)
{
	struct in_addr lit;
	size_t len = strlen(o->host);
	if (len == 0)
		return usage_error(msg, msglen, "HOST is empty");
	if (inet_pton(AF_INET, o->host, &lit) == 1) {
		/* A 4a server reads 0.0.0.x (x != 0) as "a hostname follows" and
		 * would wait for one (BUG-CLASSES B8). */
		if (s4_is_4a(ntohl(lit.s_addr)))
			return usage_error(
			        msg, msglen,
			        "HOST %s is the SOCKS4a marker, not a destination (--raw "
			        "sends it anyway)",
			        o->host);
		return ARGS_RUN;
	}
	if (!o->socks4a && strchr(o->host, ':') != NULL)
		return usage_error(msg, msglen, "HOST %s: SOCKS4 carries IPv4 addresses only",
		                   o->host);
	if (o->socks4a && len > S4_HOST_MAX)
		return usage_error(msg, msglen, "HOST: a SOCKS4a hostname holds at most %d octets",
		                   S4_HOST_MAX);
	return ARGS_RUN;
}

/* HOST PORT, --user and --bind-info for a request we build. */
static int check_request(struct args *a, const struct given_opts *r, char **pos, int npos,
                         char *msg, size_t msglen)
{
	struct client_opts *o = &a->opts;
	if (o->raw_relay)
		return usage_error(msg, msglen,
		                   "--relay goes with --raw (other requests always relay)");
	if (npos != 2)
		return usage_error(msg, msglen, "expected HOST PORT, got %d argument%s", npos,
		                   npos == 1 ? "" : "s");
	o->host = pos[0];
	/* BIND's DSTPORT is the primary connection's port, which a caller may
	 * not know: 0 is allowed there, never for CONNECT. */
	if (parse_port(pos[1], o->bind ? 0 : 1, &o->port) < 0)
		return usage_error(msg, msglen, "PORT %s: expected a number in %d..%d", pos[1],
		                   o->bind ? 0 : 1, PORT_MAX);
	if (check_host(o, msg, msglen) != ARGS_RUN)
		return ARGS_ERROR;

	o->user = r->user != NULL ? r->user : args_default_user(a->login, sizeof(a->login));
	if (strlen(o->user) > S4_USERID_MAX)
		return usage_error(msg, msglen,
		                   "--user: at most %d octets (--raw sends longer ones)",
		                   S4_USERID_MAX);

	if (r->bind_info != NULL) {
		if (!o->bind)
			return usage_error(msg, msglen, "--bind-info goes with --bind");
		char *end;
		errno = 0;
		long fd = strtol(r->bind_info, &end, 10);
		if (errno != 0 || end == r->bind_info || *end != '\0' || fd < 0 || fd > INT32_MAX ||
		    fcntl((int)fd, F_GETFD) < 0)
			return usage_error(msg, msglen,
			                   "--bind-info %s: not an open file descriptor",
			                   r->bind_info);
		o->bind_info_fd = (int)fd;
	}
	return ARGS_RUN;
}

int args_parse(int argc, char **argv, struct args *a, char *msg, size_t msglen)
{
	struct given_opts r = {0};
	memset(&a->opts, 0, sizeof(a->opts));
	a->opts.bind_info_fd = STDOUT_FILENO;
	a->opts.timeout_ms = ARGS_TIMEOUT_DEFAULT_S * MS_PER_S;
	int rc = parse_options(argc, argv, a, &r, msg, msglen);
	if (rc != ARGS_RUN)
		return rc;
	if (check_proxy(a, msg, msglen) != ARGS_RUN)
		return ARGS_ERROR;
	if (r.raw_hex != NULL || r.raw_file != NULL)
		return check_raw(a, &r, argc - optind, msg, msglen);
	return check_request(a, &r, argv + optind, argc - optind, msg, msglen);
}
