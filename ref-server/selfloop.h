/* SPDX-License-Identifier: MIT */
/* selfloop.h - does a destination lead back into this server? A CONNECT or
 * BIND to one of the server's own listening sockets would chain the server
 * through itself: the bytes queued behind one request become the next
 * request, and one packet of stacked requests fills --max-sessions. Loops
 * through other proxies cannot be seen from here. */
#ifndef SOCKS4KIT_SELFLOOP_H
#define SOCKS4KIT_SELFLOOP_H

#include <stddef.h>
#include <stdint.h>

struct s4srv;

/* Returns 1 when ip:port (host byte order) reaches one of srv's listeners:
 * the listener's own address, or, for a listener on 0.0.0.0 (or ::), any
 * address of this host (127.0.0.0/8 included). Writes the listener it
 * matched to why. Returns 0 otherwise. */
int selfloop_check(const struct s4srv *srv, uint32_t ip, uint16_t port, char *why, size_t whylen);

#endif
