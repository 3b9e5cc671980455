/* SPDX-License-Identifier: MIT */
/* main.c - socks4-server: flags to a config, signals, and --check-rules.
 * Everything else is in server.c and session.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "net.h"
#include "rules.h"
#include "server.h"

#define PROG "socks4-server"
#define VERSION S4KIT_VERSION /* -D from the file VERSION (Makefile) */

/* Exit statuses */
#define EXIT_USAGE 2

static const char usage_text[] =
        "usage: " PROG " [options]\n"
        "       " PROG " --check-rules FILE USER SRC_IP DST_IP PORT\n"
        "\n"
        "A minimal blocking SOCKS4/SOCKS4a server (the socks4kit reference server).\n"
        "\n"
        "  --listen ADDR:PORT       listen here (repeatable; IPv6 as [ADDR]:PORT; port 0\n"
        "                           lets the kernel choose); default 127.0.0.1:1080\n"
        "  --rules FILE             access rules in sockd.conf syntax (see socks4-server(8));\n"
        "                           reloaded on SIGHUP\n"
        "  --open                   without --rules, permit every client (default: loopback\n"
        "                           clients only); needed to listen beyond loopback without rules\n"
        "  --no-4a                  plain SOCKS4: 0.0.0.x destinations get 91\n"
        "  --identd MODE            off (default), lenient (-i: 93 on a different user) or\n"
        "                           strict (-I: also 92 when identd cannot be reached)\n"
        "  --identd-port N          query identd on this port (default 113)\n"
        "  --identd-timeout S       seconds for an identd answer (default 15)\n"
        "  --handshake-timeout S    seconds for the client to send its request (default 30)\n"
        "  --connect-timeout S      seconds to connect to a destination (default 120)\n"
        "  --bind-timeout S         seconds to wait for a BIND's inbound connection (default 120)\n"
        "  --resolve-timeout S      seconds for a SOCKS4a name lookup (default 4: a 91 comes\n"
        "                           before socks4-test's default --timeout of 5)\n"
        "  --resolver ADDR:PORT     ask this DNS server (UDP, then TCP) for SOCKS4a names\n"
        "                           instead of the system's resolver (IPv6 as [ADDR]:PORT)\n"
        "  --idle-timeout S         end a relay idle this long, 0 for never (default 7200)\n"
        "  --max-sessions N         sessions at once; more are refused with 91 (default 1024)\n"
        "  --grace S                on SIGTERM/SIGINT, seconds sessions may go on (default 10)\n"
        "  --no-splice              relay through user space instead of splice(2)\n"
        "  -v, --verbose            more log lines; -q, --quiet: errors only\n"
        "  -h, --help               this text; --version: the version\n"
        "\n"
        "--check-rules prints the rule that matches USER from SRC_IP to DST_IP:PORT and exits\n"
        "0 for permit, 1 for deny, 2 for an error.\n";

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	exit(EXIT_USAGE);
}

/* "1.5" seconds -> 1500 ms; 0 allowed only where it means "never". */
static int seconds_ms(const char *flag, const char *s, int zero_is_never)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || v > 86400 * 30 ||
	    (v == 0 && !zero_is_never))
		usage_error("bad number of seconds '%s'", s);
	(void)flag;
	if (v == 0)
		return -1;
	int ms = (int)(v * 1000);
	return ms > 0 ? ms : 1;
}

static long number(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		usage_error("bad number '%s'", s);
	return v;
}

static enum identd_mode identd_mode(const char *s)
{
	if (strcmp(s, "off") == 0)
		return IDENTD_OFF;
	if (strcmp(s, "lenient") == 0)
		return IDENTD_LENIENT;
	if (strcmp(s, "strict") == 0)
		return IDENTD_STRICT;
	usage_error("--identd must be off, lenient or strict, not '%s'", s);
	return IDENTD_OFF;
}

static uint32_t ipv4_arg(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		usage_error("'%s' is not an IPv4 address", s);
	return ntohl(a.s_addr);
}

static uint16_t port_arg(const char *s)
{
	if (s[0] >= '0' && s[0] <= '9')
		return (uint16_t)number(s, 0, 65535);
	struct servent se, *res = NULL;
	char buf[1024];
	if (getservbyname_r(s, "tcp", &se, buf, sizeof(buf), &res) != 0 || res == NULL)
		usage_error("unknown port or TCP service '%s'", s);
	return ntohs((uint16_t)res->s_port);
}

/* --check-rules FILE USER SRC DST PORT, like the original test_sockd_conf
 * (whose statuses were the other way round: here 0 is permit). */
static int check_rules(const char *file, char **args)
{
	char err[512];
	struct rules *rs = rules_load(file, err, sizeof(err));
	if (rs == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_USAGE;
	}
	struct rule_query q = {.userid = args[0],
	                       .userid_len = strlen(args[0]),
	                       .src_is_ipv4 = 1,
	                       .src = ipv4_arg(args[1]),
	                       .dst = ipv4_arg(args[2]),
	                       .port = port_arg(args[3])};
	const struct rule *r = rules_match(rs, &q);
	int permit = r != NULL && r->action == RULE_PERMIT;
	if (r == NULL) {
		printf("no rule matches: deny\n");
	} else {
		printf("%s:%d: %s\n", file, r->line, r->text);
		printf("%s", rule_action_str(r->action));
		if (r->identd != RULE_IDENTD_GLOBAL)
			printf(" (identd %s)", identd_mode_str((enum identd_mode)r->identd));
		printf("\n");
		if (r->shell_cmd != NULL)
			printf("shell command (never run): %s\n", r->shell_cmd);
	}
	rules_free(rs);
	return permit ? 0 : 1;
}

enum {
	OPT_LISTEN = 256,
	OPT_RULES,
	OPT_OPEN,
	OPT_NO4A,
	OPT_IDENTD,
	OPT_IDENTD_PORT,
	OPT_IDENTD_TIMEOUT,
	OPT_HANDSHAKE,
	OPT_CONNECT,
	OPT_BIND,
	OPT_RESOLVE,
	OPT_RESOLVER,
	OPT_IDLE,
	OPT_MAX,
	OPT_GRACE,
	OPT_NO_SPLICE,
	OPT_CHECK,
	OPT_VERSION,
};

static const struct option options[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"rules", required_argument, NULL, OPT_RULES},
        {"open", no_argument, NULL, OPT_OPEN},
        {"no-4a", no_argument, NULL, OPT_NO4A},
        {"identd", required_argument, NULL, OPT_IDENTD},
        {"identd-port", required_argument, NULL, OPT_IDENTD_PORT},
        {"identd-timeout", required_argument, NULL, OPT_IDENTD_TIMEOUT},
        {"handshake-timeout", required_argument, NULL, OPT_HANDSHAKE},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT},
        {"bind-timeout", required_argument, NULL, OPT_BIND},
        {"resolve-timeout", required_argument, NULL, OPT_RESOLVE},
        {"resolver", required_argument, NULL, OPT_RESOLVER},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"max-sessions", required_argument, NULL, OPT_MAX},
        {"grace", required_argument, NULL, OPT_GRACE},
        {"no-splice", no_argument, NULL, OPT_NO_SPLICE},
        {"check-rules", required_argument, NULL, OPT_CHECK},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
};

/* --resolver ADDR:PORT (an IP address: a name would need a resolver). */
static void parse_resolver(const char *s, struct s4srv_config *cfg)
{
	char host[64], err[200];
	uint16_t port;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&cfg->resolver;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&cfg->resolver;
	if (net_split_hostport(s, 0, host, sizeof(host), &port, err, sizeof(err)) < 0)
		usage_error("--resolver needs ADDR:PORT, not '%s'", s);
	memset(&cfg->resolver, 0, sizeof(cfg->resolver));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		cfg->resolver_len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		cfg->resolver_len = sizeof(*s6);
	} else {
		usage_error("--resolver: '%s' is not an IP address", host);
	}
}

/* Sessions hold up to six fds (two sockets, two splice pipes): take every
 * fd the hard limit allows. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void reload(struct s4srv *srv, const char *path)
{
	char err[512];
	if (path == NULL) {
		fprintf(stderr, PROG ": SIGHUP: no --rules file to reload\n");
		return;
	}
	struct rules *rs = rules_load(path, err, sizeof(err));
	if (rs == NULL) {
		fprintf(stderr, PROG ": reload failed, keeping the old rules: %s\n", err);
		return;
	}
	/* In force first, then said: a client that reads the line and connects
	 * must meet the new rules. */
	size_t n = rs->n;
	s4srv_set_rules(srv, rs);
	fprintf(stderr, PROG ": reloaded %s: %zu rules\n", path, n);
}

/* What the command line asks for besides the server's configuration. */
struct cli {
	const char *rules_path; /* --rules */
	const char *check_file; /* --check-rules */
	int grace_ms;           /* --grace */
};

/* Parses the options into cfg and cli. Returns -1 to go on, or the exit
 * status (--help, --version, a usage error). */
static int parse_args(int argc, char **argv, struct s4srv_config *cfg, struct cli *cli)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "vqh", options, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (cfg->n_listen == S4SRV_MAX_LISTEN)
				usage_error("at most 16 --listen addresses%s", "");
			cfg->listen[cfg->n_listen++] = optarg;
			break;
		case OPT_RULES:
			cli->rules_path = optarg;
			break;
		case OPT_OPEN:
			cfg->open = 1;
			break;
		case OPT_NO4A:
			cfg->no_4a = 1;
			break;
		case OPT_IDENTD:
			cfg->identd = identd_mode(optarg);
			break;
		case OPT_IDENTD_PORT:
			cfg->identd_port = (uint16_t)number(optarg, 1, 65535);
			break;
		case OPT_IDENTD_TIMEOUT:
			cfg->identd_timeout_ms = seconds_ms("--identd-timeout", optarg, 0);
			break;
		case OPT_HANDSHAKE:
			cfg->handshake_timeout_ms = seconds_ms("--handshake-timeout", optarg, 0);
			break;
		case OPT_CONNECT:
			cfg->connect_timeout_ms = seconds_ms("--connect-timeout", optarg, 0);
			break;
		case OPT_BIND:
			cfg->bind_timeout_ms = seconds_ms("--bind-timeout", optarg, 0);
			break;
		case OPT_RESOLVE:
			cfg->resolve_timeout_ms = seconds_ms("--resolve-timeout", optarg, 0);
			break;
		case OPT_RESOLVER:
			parse_resolver(optarg, cfg);
			break;
		case OPT_IDLE:
			cfg->idle_timeout_ms = seconds_ms("--idle-timeout", optarg, 1);
			break;
		case OPT_MAX:
			cfg->max_sessions = (int)number(optarg, 1, 1000000);
			break;
		case OPT_GRACE:
			cli->grace_ms = seconds_ms("--grace", optarg, 1);
			cli->grace_ms = cli->grace_ms < 0 ? 0 : cli->grace_ms;
			break;
		case OPT_NO_SPLICE:
			cfg->no_splice = 1;
			break;
		case OPT_CHECK:
			cli->check_file = optarg;
			break;
		case 'v':
			cfg->log_level = S4SRV_LOG_VERBOSE;
			break;
		case 'q':
			cfg->log_level = S4SRV_LOG_QUIET;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case OPT_VERSION:
			printf(PROG " (socks4kit) " VERSION "\n");
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* Until SIGTERM or SIGINT (then a graceful stop): SIGHUP reloads the rules. */
static int serve_until_signal(struct s4srv *srv, const sigset_t *set, const struct cli *cli)
{
	for (;;) {
		int sig;
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(srv, cli->rules_path);
			continue;
		}
		fprintf(stderr, PROG ": %s: stopping (grace %d ms)\n", strsignal(sig),
		        cli->grace_ms);
		s4srv_stop(srv, cli->grace_ms);
		return 0;
	}
}

int main(int argc, char **argv)
{
	struct s4srv_config cfg;
	struct cli cli = {.grace_ms = 10 * 1000};

	s4srv_config_defaults(&cfg);
	int rc = parse_args(argc, argv, &cfg, &cli);
	if (rc >= 0)
		return rc;
	if (cli.check_file != NULL) {
		if (argc - optind != 4)
			usage_error("--check-rules FILE needs USER SRC_IP DST_IP PORT%s", "");
		return check_rules(cli.check_file, argv + optind);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	char err[512];
	if (cli.rules_path != NULL &&
	    (cfg.rules = rules_load(cli.rules_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}

	/* Signals are taken by sigwait() below, in this thread only: block
	 * them before any thread starts, so every thread inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();

	struct s4srv *srv = s4srv_start(&cfg, err, sizeof(err));
	if (srv == NULL) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < s4srv_listener_count(srv); i++) {
		struct sockaddr_storage ss;
		char text[NET_ADDRSTR_MAX];
		s4srv_listener_addr(srv, i, &ss);
		fprintf(stderr, PROG ": listening on %s\n",
		        net_addr_str((struct sockaddr *)&ss, text, sizeof(text)));
	}
	return serve_until_signal(srv, &set, &cli);
}
