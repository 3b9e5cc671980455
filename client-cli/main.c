/* SPDX-License-Identifier: MIT */
/* main.c - socks4-client: send a SOCKS4/4a CONNECT or BIND request (or any
 * bytes) to a proxy by hand, then relay stdin/stdout through it, like
 * `nc -X 4 -x proxy`. Flags are parsed in args.c, the session runs in
 * client.c; only this file prints errors and picks the exit status.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "args.h"
#include "client.h"

#define PROG "socks4-client"

/* Started with stdin, stdout or stderr closed, the proxy socket would take
 * that number and the relay would read or write the proxy as if it were
 * the terminal. /dev/null fills any gap first. */
static int open_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return -1;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	char login[S4_USERID_MAX + 1];
	fprintf(f,
	        "Usage: " PROG " --proxy HOST:PORT [options] HOST PORT\n"
	        "       " PROG " --proxy HOST:PORT --bind [options] HOST PORT\n"
	        "       " PROG " --proxy HOST:PORT (--raw HEX | --raw-file FILE) [--relay] [-v]\n"
	        "\n"
	        "Sends a SOCKS4 CONNECT request for HOST PORT to the proxy, then relays stdin to\n"
	        "the connection and the connection to stdout until both directions end (end of\n"
	        "file on stdin shuts down the sending side only). Works as an ssh ProxyCommand.\n"
	        "\n"
	        "Options:\n"
	        "  --proxy HOST:PORT  the SOCKS4 server: an IPv4 address, [IPv6] or a name\n"
	        "  --4a               send a HOST name to the proxy to resolve (SOCKS4a); without\n"
	        "                     it a name is resolved here and sent as an IPv4 address\n"
	        "  --user ID          the USERID (default: your login name, here \"%s\";\n"
	        "                     --user '' sends an empty one)\n"
	        "  --bind             BIND instead of CONNECT: HOST is where the inbound\n"
	        "                     connection must come from, PORT the primary connection's\n"
	        "                     port. The first line on stdout is \"ADDR PORT\", where the\n"
	        "                     proxy listens; then the relay starts once the peer connects\n"
	        "  --bind-info FD     write that line to file descriptor FD instead (e.g. 2)\n"
	        "  --raw HEX          send these bytes as the request (blanks and colons may\n"
	        "                     separate bytes); print the reply field by field on stdout\n"
	        "  --raw-file FILE    send the bytes of FILE as the request\n"
	        "  --relay            with --raw: relay after a granted reply (the decoded reply\n"
	        "                     then goes to stderr)\n"
	        "  --timeout S        seconds allowed for each step: a name lookup, connecting,\n"
	        "                     sending, each reply, the BIND wait (default %d)\n"
	        "  -v, --verbose      trace requests, replies (hex and fields) and timings on "
	        "stderr\n"
	        "  -h, --help         this text\n"
	        "      --version      the version\n"
	        "\n"
	        "Exit status:\n"
	        "  0   granted, and the relay ended cleanly (--raw alone: granted)\n"
	        "  1   the relay failed after the grant, or another local error\n"
	        "  2   usage error\n"
	        "  3   the proxy cannot be reached (name, refused, unreachable)\n"
	        "  4   malformed reply: VN not 0, unknown CD, or fewer than 8 bytes\n"
	        "  5   timeout: a step took longer than --timeout\n"
	        "  6   HOST has no IPv4 address (SOCKS4 resolves names locally; see --4a)\n"
	        "  91  the proxy rejected the request, or the inbound connection of a BIND\n"
	        "  92  rejected: the proxy cannot reach identd on this host\n"
	        "  93  rejected: identd reports a different user-id than --user\n",
	        args_default_user(login, sizeof(login)), ARGS_TIMEOUT_DEFAULT_S);
}

int main(int argc, char **argv)
{
	/* A struct args holds the --raw buffer: too big to want on the stack. */
	static struct args a;
	char msg[CLIENT_MSG_MAX];

	if (open_std_fds() < 0)
		return CX_LOCAL;
	switch (args_parse(argc, argv, &a, msg, sizeof(msg))) {
	case ARGS_HELP:
		usage(stdout);
		return fflush(stdout) == 0 ? CX_OK : CX_LOCAL;
	case ARGS_VERSION:
		printf(PROG " (socks4kit) " S4KIT_VERSION "\n");
		return fflush(stdout) == 0 ? CX_OK : CX_LOCAL;
	case ARGS_RUN:
		break;
	default:
		fprintf(stderr, PROG ": %s\nTry '" PROG " --help' for more information.\n", msg);
		return CX_USAGE;
	}

	/* The proxy or the reader of stdout may go away mid-relay; that must be
	 * an EPIPE the relay reports, not a silent death by signal. */
	signal(SIGPIPE, SIG_IGN);

	int rc = client_run(&a.opts, msg, sizeof(msg));
	if (rc != CX_OK)
		fprintf(stderr, PROG ": %s\n", msg);
	return rc;
}
