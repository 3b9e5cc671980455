/* SPDX-License-Identifier: MIT */
/* net.c - socket helpers with deadlines. The contract is in net.h. */
#include "net.h"

#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Writes "what: reason" into err, keeps errno as `e`, returns -1. */
static int fail(int e, char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		if (e != 0 && n >= 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, ": %s", strerror(e));
	}
	errno = e;
	return -1;
}

int64_t net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t net_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? NET_NO_DEADLINE : net_now_ms() + timeout_ms;
}

int net_remaining_ms(int64_t deadline)
{
	if (deadline == NET_NO_DEADLINE)
		return -1;
	int64_t left = deadline - net_now_ms();
	if (left <= 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

/* Waits for `events` on fd. Returns 0 when ready, -1 with errno ETIMEDOUT or
 * poll's errno. EINTR restarts the wait with the time left. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int rc = poll(&p, 1, net_remaining_ms(deadline));
		if (rc > 0)
			return 0;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int net_wait_readable(int fd, int64_t deadline, char *err, size_t errlen)
{
	if (wait_fd(fd, POLLIN, deadline) < 0)
		return fail(errno, err, errlen, "poll");
	return 0;
}

ssize_t net_read_some(int fd, void *buf, size_t cap, int64_t deadline, char *err, size_t errlen)
{
	/* A socket is read before polling: data has usually arrived already,
	 * and MSG_DONTWAIT keeps a blocking socket from blocking. Other fds
	 * (ENOTSOCK) are read only after poll() says so. */
	int is_socket = 1;
	for (;;) {
		ssize_t n;
		if (is_socket) {
			n = recv(fd, buf, cap, MSG_DONTWAIT);
			if (n < 0 && errno == ENOTSOCK)
				is_socket = 0;
		}
		if (!is_socket) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				return fail(errno, err, errlen,
				            errno == ETIMEDOUT ? "read" : "poll");
			n = read(fd, buf, cap);
		}
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				return fail(errno, err, errlen,
				            errno == ETIMEDOUT ? "read" : "poll");
		} else if (errno != EINTR) {
			return fail(errno, err, errlen, "read");
		}
	}
}

int net_read_exact(int fd, void *buf, size_t n, size_t *got, int64_t deadline, char *err,
                   size_t errlen)
{
	size_t done = 0;
	int rc = 0;
	while (done < n) {
		ssize_t r = net_read_some(fd, (char *)buf + done, n - done, deadline, err, errlen);
		if (r < 0) {
			rc = -1;
			break;
		}
		if (r == 0) {
			rc = fail(0, err, errlen, "read: end of file after %zu of %zu bytes", done,
			          n);
			break;
		}
		done += (size_t)r;
	}
	if (got != NULL)
		*got = done;
	return rc;
}

int net_write_all(int fd, const void *buf, size_t n, int64_t deadline, char *err, size_t errlen)
{
	/* Sockets are written before polling, with MSG_DONTWAIT: there is
	 * usually room, and poll() only ever promises "some room", not room for
	 * all of it. Other fds (ENOTSOCK) are written after poll() says so. */
	size_t done = 0;
	int is_socket = 1;
	while (done < n) {
		ssize_t w = -1;
		if (is_socket) {
			w = send(fd, (const char *)buf + done, n - done,
			         MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w < 0 && errno == ENOTSOCK)
				is_socket = 0;
		}
		if (!is_socket) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return fail(errno, err, errlen,
				            errno == ETIMEDOUT ? "write" : "poll");
			w = write(fd, (const char *)buf + done, n - done);
		}
		if (w >= 0) {
			done += (size_t)w;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return fail(errno, err, errlen,
				            errno == ETIMEDOUT ? "write" : "poll");
		} else if (errno != EINTR) {
			return fail(errno, err, errlen, "write");
		}
	}
	return 0;
}

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int net_connect_nonblocking(int fd, const struct sockaddr *sa, socklen_t salen, int64_t deadline,
                            char *err, size_t errlen)
{
	int rc = connect(fd, sa, salen);
	if (rc < 0 && errno == EINPROGRESS) {
		/* On loopback the handshake is usually over by now: asking again
		 * says so (EISCONN) without a poll(). */
		if (connect(fd, sa, salen) == 0 || errno == EISCONN)
			rc = 0;
		else if (errno != EALREADY)
			goto failed;
	}
	if (rc < 0 && (errno == EINPROGRESS || errno == EALREADY)) {
		if (wait_fd(fd, POLLOUT, deadline) < 0)
			goto failed;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		errno = soerr;
		rc = soerr != 0 ? -1 : 0;
	}
	if (rc == 0)
		return 0;
failed:; /* the address is formatted only for the message */
	int e = errno;
	char where[NET_ADDRSTR_MAX];
	net_addr_str(sa, where, sizeof(where));
	return fail(e, err, errlen, "connect to %s", where);
}

int net_connect_fd(int fd, const struct sockaddr *sa, socklen_t salen, int64_t deadline, char *err,
                   size_t errlen)
{
	/* The wait needs a non-blocking connect; the socket is given back in the
	 * mode it came in (a caller that made it O_NONBLOCK keeps it so). */
	int fl = fcntl(fd, F_GETFL);
	int was_blocking = fl >= 0 && !(fl & O_NONBLOCK);
	if (fl < 0 || (was_blocking && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return fail(errno, err, errlen, "fcntl");
	int rc = net_connect_nonblocking(fd, sa, salen, deadline, err, errlen);
	if (rc == 0 && was_blocking && fcntl(fd, F_SETFL, fl) < 0)
		return fail(errno, err, errlen, "fcntl");
	if (rc < 0 && was_blocking) {
		int e = errno; /* the connect's errno, not fcntl's */
		fcntl(fd, F_SETFL, fl);
		errno = e;
	}
	return rc;
}

int net_connect(const struct sockaddr *sa, socklen_t salen, const struct sockaddr *source,
                int64_t deadline, int *fd_out, char *err, size_t errlen)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno, err, errlen, "socket");
	if (source != NULL && bind(fd, source, sa_len(source)) < 0) {
		int e = errno;
		close(fd);
		return fail(e, err, errlen, "bind");
	}
	if (net_connect_fd(fd, sa, salen, deadline, err, errlen) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*fd_out = fd;
	return 0;
}

int net_listen(const char *host, uint16_t port, int backlog, int *fd_out, uint16_t *port_out,
               char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		len = sizeof(*s6);
	} else {
		return fail(EINVAL, err, errlen, "listen: '%s' is not an IPv4 or IPv6 address",
		            host);
	}

	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno, err, errlen, "socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));

	const char *what = "bind";
	if (bind(fd, (struct sockaddr *)&ss, len) == 0) {
		what = "listen";
		if (listen(fd, backlog) == 0) {
			what = "getsockname";
			len = sizeof(ss);
			if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
				if (port_out != NULL)
					*port_out = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port
					                                           : s4->sin_port);
				*fd_out = fd;
				return 0;
			}
		}
	}
	int e = errno;
	close(fd);
	return fail(e, err, errlen, "%s %s port %u", what, host, port);
}

int net_split_hostport(const char *s, int allow_zero, char *host, size_t hostcap, uint16_t *port,
                       char *err, size_t errlen)
{
	const char *h = s, *colon;
	size_t hlen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return fail(EINVAL, err, errlen, "'%s': expected [IPV6]:PORT", s);
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return fail(EINVAL, err, errlen, "'%s': expected HOST:PORT", s);
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return fail(EINVAL, err, errlen,
			            "'%s': write an IPv6 address as [ADDR]:PORT", s);
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= hostcap)
		return fail(EINVAL, err, errlen, "'%s': %s host", s,
		            hlen == 0 ? "empty" : "too long a");

	const char *p = colon + 1;
	unsigned long v = 0;
	size_t digits = 0;
	for (; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (digits == 0 || *p != '\0' || v > 65535 || (v == 0 && !allow_zero))
		return fail(EINVAL, err, errlen, "'%s': port must be a number in %s..65535", s,
		            allow_zero ? "0" : "1");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)v;
	return 0;
}

/* A lookup handed to a helper thread. Two owners, the caller and the thread;
 * whoever lets go last frees it, so a caller that gives up at its deadline
 * leaves nothing behind it must wait for. */
struct resolve_job {
	pthread_mutex_t mu;
	pthread_cond_t done_cv;
	int refs;
	int done;
	int abandoned; /* its caller gave up: counted in resolve_abandoned */
	int gai_rc;
	int gai_errno;
	size_t n;
	uint32_t addrs[16];
	char name[256];
};

/* Lookups whose caller gave up and whose thread still runs, process-wide:
 * without a bound, clients that send names the resolver hangs on would leave
 * a thread behind per session. The one global in lib/net.c. */
static pthread_mutex_t resolve_mu = PTHREAD_MUTEX_INITIALIZER;
static int resolve_abandoned;

static void job_release(struct resolve_job *job)
{
	pthread_mutex_lock(&job->mu);
	int last = --job->refs == 0;
	pthread_mutex_unlock(&job->mu);
	if (last) {
		pthread_mutex_destroy(&job->mu);
		pthread_cond_destroy(&job->done_cv);
		free(job);
	}
}

static void *resolve_thread(void *arg)
{
	struct resolve_job *job = arg;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(job->name, NULL, &hints, &res);
	int e = errno;

	pthread_mutex_lock(&job->mu);
	job->gai_rc = rc;
	job->gai_errno = e;
	for (struct addrinfo *ai = res; rc == 0 && ai != NULL && job->n < 16; ai = ai->ai_next)
		job->addrs[job->n++] = ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);
	job->done = 1;
	int abandoned = job->abandoned;
	pthread_cond_signal(&job->done_cv);
	pthread_mutex_unlock(&job->mu);
	if (abandoned) {
		pthread_mutex_lock(&resolve_mu);
		resolve_abandoned--;
		pthread_mutex_unlock(&resolve_mu);
	}
	if (res != NULL)
		freeaddrinfo(res);
	job_release(job);
	return NULL;
}

/* Starts the lookup of name (len bytes) on a helper thread that owns one
 * reference to the job; the caller owns the other. NULL with err set. */
static struct resolve_job *job_start(const char *name, size_t len, char *err, size_t errlen)
{
	struct resolve_job *job = calloc(1, sizeof(*job));
	if (job == NULL) {
		fail(ENOMEM, err, errlen, "resolve");
		return NULL;
	}
	pthread_mutex_init(&job->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&job->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	memcpy(job->name, name, len + 1);
	job->refs = 2;

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024); /* NSS modules want room */
	pthread_t tid;
	int rc = pthread_create(&tid, &attr, resolve_thread, job);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		job->refs = 1;
		job_release(job);
		fail(rc, err, errlen, "resolve %s: pthread_create", name);
		return NULL;
	}
	return job;
}

/* Waits for the job until timeout_ms (< 0: no limit), copies what it found
 * (at most max addresses) and lets go of the caller's reference. Returns 1
 * when the lookup finished (*gai_rc, *gai_errno say how), 0 when the caller
 * gives up: the thread then finishes alone, counted in resolve_abandoned. */
static int job_wait(struct resolve_job *job, int timeout_ms, uint32_t *addrs, size_t max,
                    size_t *got, int *gai_rc, int *gai_errno)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms > 0) {
		int64_t ns = until.tv_nsec + (int64_t)(timeout_ms % 1000) * 1000000;
		until.tv_sec += timeout_ms / 1000 + ns / 1000000000;
		until.tv_nsec = ns % 1000000000;
	}

	pthread_mutex_lock(&job->mu);
	while (!job->done) {
		if (timeout_ms < 0)
			pthread_cond_wait(&job->done_cv, &job->mu);
		else if (pthread_cond_timedwait(&job->done_cv, &job->mu, &until) == ETIMEDOUT)
			break;
	}
	int done = job->done;
	*gai_rc = job->gai_rc;
	*gai_errno = job->gai_errno;
	if (!done) {
		job->abandoned = 1;
		pthread_mutex_lock(&resolve_mu);
		resolve_abandoned++;
		pthread_mutex_unlock(&resolve_mu);
	}
	*got = job->n < max ? job->n : max;
	memcpy(addrs, job->addrs, *got * sizeof(addrs[0]));
	pthread_mutex_unlock(&job->mu);
	job_release(job);
	return done;
}

/* What both resolvers do first: no room is an error, and an IPv4 literal is
 * its own answer. Returns 1 when the name still needs a lookup, 0 when
 * addrs[0] holds the literal, -1 (err set) when there is no room. */
static int resolve_first(const char *name, uint32_t *addrs, size_t max, size_t *n, char *err,
                         size_t errlen)
{
	struct in_addr lit;
	*n = 0;
	if (max == 0)
		return fail(EINVAL, err, errlen, "resolve: no room for an address");
	if (inet_pton(AF_INET, name, &lit) == 1) {
		addrs[0] = ntohl(lit.s_addr);
		*n = 1;
		return 0;
	}
	return 1;
}

int net_resolve4(const char *name, int timeout_ms, uint32_t *addrs, size_t max, size_t *n,
                 char *err, size_t errlen)
{
	int first = resolve_first(name, addrs, max, n, err, errlen);
	if (first <= 0)
		return first;
	size_t len = strlen(name);
	if (len == 0 || len >= sizeof(((struct resolve_job *)0)->name))
		return fail(EINVAL, err, errlen, "resolve: name is empty or too long");

	pthread_mutex_lock(&resolve_mu);
	int busy = resolve_abandoned >= NET_RESOLVE_ABANDONED_MAX;
	pthread_mutex_unlock(&resolve_mu);
	if (busy)
		return fail(EAGAIN, err, errlen,
		            "resolve %s: %d earlier lookups are still running past their deadline",
		            name, NET_RESOLVE_ABANDONED_MAX);

	struct resolve_job *job = job_start(name, len, err, errlen);
	if (job == NULL)
		return -1;
	size_t got;
	int gai_rc, gai_errno;
	if (!job_wait(job, timeout_ms, addrs, max, &got, &gai_rc, &gai_errno))
		return fail(ETIMEDOUT, err, errlen, "resolve %s: no answer within %d ms", name,
		            timeout_ms);
	if (gai_rc == EAI_SYSTEM)
		return fail(gai_errno, err, errlen, "resolve %s", name);
	if (gai_rc != 0 || got == 0) {
		/* gai_strerror says it all; errno only classifies */
		fail(0, err, errlen, "resolve %s: %s", name,
		     gai_rc != 0 ? gai_strerror(gai_rc) : "no IPv4 address");
		errno = ENOENT;
		return -1;
	}
	*n = got;
	return 0;
}

char *net_addr_str(const struct sockaddr *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, cap, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, cap, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(out, cap, "(address family %d)", sa->sa_family);
	}
	return out;
}

void net_sockaddr4(struct sockaddr_storage *ss, socklen_t *len, uint32_t ip, uint16_t port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	s4->sin_addr.s_addr = htonl(ip);
	*len = sizeof(*s4);
}

/* ---- resolving through a given DNS server ----------------------------------- */

#define DNS_RESEND_MS 1000 /* UDP: the query is sent again this often, as resolvers do */

/* Over TCP (after a truncated UDP answer): a 2-octet length, then the message. */
static int dns_over_tcp(const struct sockaddr *server, socklen_t slen, const uint8_t *q,
                        size_t qlen, uint16_t id, const char *name, int64_t deadline,
                        uint32_t *addrs, size_t max, size_t *n, int *rcode, char *err,
                        size_t errlen)
{
	int fd, trunc;
	if (net_connect(server, slen, NULL, deadline, &fd, err, errlen) < 0)
		return -1;
	uint8_t buf[2 + DNS_TCP_MAX];
	buf[0] = (uint8_t)(qlen >> 8);
	buf[1] = (uint8_t)qlen;
	memcpy(buf + 2, q, qlen);
	size_t got;
	int rc = net_write_all(fd, buf, 2 + qlen, deadline, err, errlen);
	if (rc == 0)
		rc = net_read_exact(fd, buf, 2, &got, deadline, err, errlen);
	size_t mlen = rc == 0 ? (size_t)(buf[0] << 8 | buf[1]) : 0;
	if (rc == 0 && mlen > DNS_TCP_MAX)
		rc = fail(EPROTO, err, errlen, "resolve %s: a %zu-octet TCP answer", name, mlen);
	if (rc == 0)
		rc = net_read_exact(fd, buf, mlen, &got, deadline, err, errlen);
	close(fd);
	if (rc < 0)
		return -1;
	if (dns_parse_answer(buf, mlen, id, name, addrs, max, n, rcode, &trunc) < 0)
		return fail(EPROTO, err, errlen, "resolve %s: a malformed TCP answer", name);
	return 0;
}

int net_resolve4_dns(const struct sockaddr *server, socklen_t slen, const char *name,
                     int timeout_ms, uint32_t *addrs, size_t max, size_t *n, char *err,
                     size_t errlen)
{
	int first = resolve_first(name, addrs, max, n, err, errlen);
	if (first <= 0)
		return first;
	if (name[0] == '\0' || !dns_name_ok(name)) {
		fail(0, err, errlen, "resolve: not a name DNS can carry");
		errno = ENOENT;
		return -1;
	}
	int64_t deadline = net_deadline(timeout_ms);
	uint8_t q[DNS_UDP_MAX], a[DNS_UDP_MAX];
	uint16_t id = (uint16_t)(net_now_ms() * 40503u ^ (uint64_t)(uintptr_t)q ^ (uint32_t)getpid());
	int qlen = dns_write_query(q, sizeof(q), id, name, DNS_TYPE_A);
	if (qlen < 0 || (size_t)qlen > sizeof(q))
		return fail(EINVAL, err, errlen, "resolve %s: the query does not fit", name);
	int fd = socket(server->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno, err, errlen, "resolve %s: socket", name);
	if (connect(fd, server, slen) < 0) {
		int e = errno;
		close(fd);
		return fail(e, err, errlen, "resolve %s: connect", name);
	}
	int rcode = -1, trunc = 0, answered = 0;
	int64_t resend = 0;
	while (!answered) {
		int64_t now = net_now_ms();
		if (now >= resend) {
			if (send(fd, q, (size_t)qlen, 0) < 0 && errno != ECONNREFUSED) {
				int e = errno;
				close(fd);
				return fail(e, err, errlen, "resolve %s: send", name);
			}
			resend = now + DNS_RESEND_MS;
		}
		int64_t until = timeout_ms >= 0 && deadline < resend ? deadline : resend;
		if (wait_fd(fd, POLLIN, until) < 0) {
			if (errno == ETIMEDOUT && net_remaining_ms(deadline) > 0 && timeout_ms >= 0)
				continue; /* time to send again */
			if (errno == ETIMEDOUT && timeout_ms < 0)
				continue;
			close(fd);
			return fail(ETIMEDOUT, err, errlen, "resolve %s: no answer within %d ms", name,
			            timeout_ms);
		}
		ssize_t got = recv(fd, a, sizeof(a), 0);
		if (got < 0)
			continue; /* ECONNREFUSED from an earlier send: nothing listens yet */
		answered = dns_parse_answer(a, (size_t)got, id, name, addrs, max, n, &rcode,
		                            &trunc) == 0;
	}
	close(fd);
	if (trunc && dns_over_tcp(server, slen, q, (size_t)qlen, id, name, deadline, addrs, max, n,
	                          &rcode, err, errlen) < 0)
		return -1;
	if (rcode != DNS_RCODE_NOERROR || *n == 0) {
		fail(0, err, errlen, "resolve %s: %s", name,
		     rcode == DNS_RCODE_NXDOMAIN ? "no such name (NXDOMAIN)"
		     : rcode == DNS_RCODE_NOERROR ? "no IPv4 address"
		                                  : "the server failed (SERVFAIL or another code)");
		errno = ENOENT;
		return -1;
	}
	return 0;
}
