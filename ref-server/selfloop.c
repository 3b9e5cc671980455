/* SPDX-License-Identifier: MIT */
/* selfloop.c - refusing destinations that are the server itself. The
 * contract is in selfloop.h. */
#include "selfloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "session.h"

/* Whether ip is an address of this host: binding a datagram socket to it
 * works only for local addresses (every 127.0.0.0/8 one, and each
 * interface's), so the kernel answers, aliases included. */
static int is_local_address(uint32_t ip)
{
	if ((ip >> 24) == 127)
		return 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	struct sockaddr_storage ss;
	socklen_t len;
	net_sockaddr4(&ss, &len, ip, 0);
	int local = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return local;
}

int selfloop_check(const struct s4srv *srv, uint32_t ip, uint16_t port, char *why, size_t whylen)
{
	for (size_t i = 0; i < srv->n_listeners; i++) {
		const struct sockaddr_storage *a = &srv->listeners[i].addr;
		uint16_t lport;
		int hit;
		if (a->ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)a;
			uint32_t lip = ntohl(in->sin_addr.s_addr);
			lport = ntohs(in->sin_port);
			hit = lport == port && (lip == ip || (lip == 0 && is_local_address(ip)));
		} else if (a->ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
			const struct in6_addr *x = &in6->sin6_addr;
			lport = ntohs(in6->sin6_port);
			/* [::] takes IPv4 too (unless v6only); [::ffff:a.b.c.d] is a.b.c.d. */
			int any = IN6_IS_ADDR_UNSPECIFIED(x);
			int mapped = IN6_IS_ADDR_V4MAPPED(x);
			uint32_t lip = 0;
			if (mapped)
				memcpy(&lip, &x->s6_addr[12], 4);
			lip = ntohl(lip);
			hit = lport == port && ((any && is_local_address(ip)) || (mapped && lip == ip));
		} else {
			continue;
		}
		if (hit) {
			char l[NET_ADDRSTR_MAX];
			net_addr_str((const struct sockaddr *)a, l, sizeof(l));
			snprintf(why, whylen, "its own listening socket %s", l);
			return 1;
		}
	}
	return 0;
}
