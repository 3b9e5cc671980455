/* SPDX-License-Identifier: MIT */
/* net.h - socket helpers with deadlines.
 *
 * Every call that can wait takes an absolute deadline on the monotonic clock
 * in milliseconds (net_deadline(timeout_ms) makes one; NET_NO_DEADLINE waits
 * without end). Helpers return 0 on success and -1 on failure, and on failure
 * write "syscall: reason" into the caller's err buffer (which may be NULL when
 * errlen is 0) and leave errno telling why: ETIMEDOUT when the deadline
 * passed, 0 for an end of file, otherwise the failing call's errno.
 * Nothing here prints, exits or keeps globals (but net_resolve4()'s count of
 * lookups left running); only net_resolve4() allocates
 * (see there). SIGPIPE is never raised by these helpers on sockets.
 */
#ifndef SOCKS4KIT_NET_H
#define SOCKS4KIT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define NET_NO_DEADLINE ((int64_t)-1)

/* "ADDR:PORT" as text: "255.255.255.255:65535", "[v6]:65535" plus scope. */
#define NET_ADDRSTR_MAX 80

/* Milliseconds on the monotonic clock. */
int64_t net_now_ms(void);

/* The deadline timeout_ms from now; a negative timeout gives NET_NO_DEADLINE. */
int64_t net_deadline(int timeout_ms);

/* Milliseconds left until deadline (0 when passed), or -1 for no deadline:
 * ready to pass to poll(). */
int net_remaining_ms(int64_t deadline);

/* Reads exactly n bytes. On failure *got (when not NULL) still says how many
 * bytes arrived before the end of file, error or deadline. */
int net_read_exact(int fd, void *buf, size_t n, size_t *got, int64_t deadline, char *err,
                   size_t errlen);

/* Reads at most cap bytes once, waiting for data only when none is there. Returns the count
 * (> 0), 0 at end of file, or -1 on error or deadline (errno ETIMEDOUT). */
ssize_t net_read_some(int fd, void *buf, size_t cap, int64_t deadline, char *err, size_t errlen);

/* Writes all n bytes (sockets with MSG_NOSIGNAL, other fds with write(2)). */
int net_write_all(int fd, const void *buf, size_t n, int64_t deadline, char *err, size_t errlen);

/* Waits until fd is readable (or has an end of file or error pending).
 * Returns 0 when readable, -1 on deadline (errno ETIMEDOUT) or poll error. */
int net_wait_readable(int fd, int64_t deadline, char *err, size_t errlen);

/* Connects a new TCP socket to sa within the deadline; *fd_out is a blocking
 * socket on success. A refused or unreachable destination fails with that
 * errno (ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ...). When `source` is not
 * NULL the socket is bound to it first (the conformance runner's BIND peer
 * connects from a chosen loopback address; the server's identd query leaves
 * from the address the client reached). */
int net_connect(const struct sockaddr *sa, socklen_t salen, const struct sockaddr *source,
                int64_t deadline, int *fd_out, char *err, size_t errlen);

/* Connects an existing socket (the caller made it and still owns it, also
 * on failure): for callers that must know the fd while the connect is in
 * flight, e.g. to shut it down from another thread. The socket keeps the
 * blocking mode it came with. */
int net_connect_fd(int fd, const struct sockaddr *sa, socklen_t salen, int64_t deadline, char *err,
                   size_t errlen);

/* net_connect_fd for a socket the caller made O_NONBLOCK (SOCK_NONBLOCK):
 * the same wait and errors, without asking the kernel for the mode. */
int net_connect_nonblocking(int fd, const struct sockaddr *sa, socklen_t salen, int64_t deadline,
                            char *err, size_t errlen);

/* Listens on a numeric address (IPv4 or IPv6 literal) and port (0 lets the
 * kernel choose). *port_out (when not NULL) receives the bound port. IPv6
 * sockets are IPV6_V6ONLY; SO_REUSEADDR is set. */
int net_listen(const char *host, uint16_t port, int backlog, int *fd_out, uint16_t *port_out,
               char *err, size_t errlen);

/* Splits "HOST:PORT", "[V6]:PORT" into host (NUL-terminated, at most hostcap
 * bytes with the NUL) and port (1..65535, or 0 when allow_zero). */
int net_split_hostport(const char *s, int allow_zero, char *host, size_t hostcap, uint16_t *port,
                       char *err, size_t errlen);

/* Resolves a name, or an IPv4 literal, to IPv4 addresses within timeout_ms
 * (negative: no deadline). The resolver has no deadline of its own, so the lookup runs on a helper
 * thread that is left to finish alone when the deadline passes; that thread
 * owns a small allocated job, the one allocation in lib/. Writes up to max
 * addresses (host byte order) to addrs and their count to *n.
 * Lookups left running that way are counted process-wide: while
 * NET_RESOLVE_ABANDONED_MAX of them still run, a new lookup fails at once
 * (EAGAIN), so hostile names cannot pile up threads.
 * Fails with errno ETIMEDOUT, EAGAIN, or ENOENT when the name has no IPv4 address. */
#define NET_RESOLVE_ABANDONED_MAX 64
int net_resolve4(const char *name, int timeout_ms, uint32_t *addrs, size_t max, size_t *n,
                 char *err, size_t errlen);

/* The same through the DNS server at `server` (UDP, sent again every second,
 * then TCP when the answer is truncated), not the system's resolver: an A
 * query with dns.h. Fails with ETIMEDOUT when no answer came in time, ENOENT
 * for NXDOMAIN, no IPv4 address, a server failure or a name DNS cannot carry. */
int net_resolve4_dns(const struct sockaddr *server, socklen_t slen, const char *name,
                     int timeout_ms, uint32_t *addrs, size_t max, size_t *n, char *err,
                     size_t errlen);

/* Formats an address as "1.2.3.4:80" or "[::1]:80". Returns out. */
char *net_addr_str(const struct sockaddr *sa, char *out, size_t cap);

/* Fills an IPv4 sockaddr from an address and port in host byte order. */
void net_sockaddr4(struct sockaddr_storage *ss, socklen_t *len, uint32_t ip, uint16_t port);

#endif
