/* SPDX-License-Identifier: MIT */
/* livefuzz.c - socks4-test --fuzz N: mutated requests against a live server.
 *
 * Each iteration starts from a valid request (CONNECT, BIND, SOCKS4a), applies
 * field-aware mutations (VN, CD, DSTPORT, DSTIP, USERID, hostname) and raw
 * byte mutations (flips, inserts, cuts, garbage behind it), sends it split
 * across writes with random stalls, half-closes, and judges what comes back:
 * a well-formed reply (8 bytes, VN=0, CD 90-93; after anything but 90 a
 * close) or a close, within --timeout. Then the target must still grant a
 * valid CONNECT. A failure prints the bytes, their split and a socks4-client
 * --raw command that sends them again.
 *
 * Iteration i of seed S is the same on every run and in any order (-j), so a
 * failure is reproduced with --seed S --fuzz-from i --fuzz 1 (only DSTPORT
 * may differ: it names the run's own echo service).
 *
 * Throughput: -j workers send iterations; one that pauses between its writes
 * (about 8% of them, up to 4 x 40 ms) is handed to a stall lane (4 per
 * worker) and waits there, so the pauses overlap instead of holding a
 * worker: what the workers wait for is then the target, not the clock.
 * Every iteration is judged, and followed by its own "still serves" check.
 *
 * With --exec the target's process is watched: an iteration whose target
 * died (or stopped serving) halts the run; once nothing is in flight,
 * fuzzcrash.c finds which iteration killed it, saves the reproducer,
 * restarts the target, and the run goes on.
 *
 * The target only ever connects to loopback: DSTIP is only ever mutated to
 * dest-addr, 127/8, 0.0.0.0, 0.0.0.x and 255.255.255.255 (raw mutations
 * leave it alone), and SOCKS4a names to loopback literals, "localhost" and
 * names under .invalid (RFC 6761). */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/covmap.h"
#include "fuzz/fuzzstats.h"
#include "fuzz/livefuzz.h"
#include "options.h"
#include "core/escape.h"
#include "target/crashdir.h"
#include "target/supervisor.h"
#include "target/target.h"

#define STALL_PER_JOB 8    /* stall lanes per worker */
#define JOBS_MAX 64
#define STALL_MAX 128
#define PROGRESS_EVERY_MS 250

/* splitmix64: a well-mixed state from (seed, iteration). */
static struct rng rng_for(uint64_t seed, long i)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (struct rng){z ^ (z >> 31) ? z ^ (z >> 31) : 1};
}

static uint64_t next(struct rng *g)
{
	g->s ^= g->s << 13; /* xorshift64 */
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return g->s;
}

static uint32_t below(struct rng *g, uint32_t n)
{
	return n ? (uint32_t)(next(g) % n) : 0;
}

static int chance(struct rng *g, int percent)
{
	return (int)below(g, 100) < percent;
}

static void say(struct sample *s, const char *fmt, const char *arg)
{
	size_t k = strlen(s->what);
	snprintf(s->what + k, sizeof(s->what) - k, k ? ", " : "");
	k = strlen(s->what);
	snprintf(s->what + k, sizeof(s->what) - k, fmt, arg);
}

/* A SOCKS4a name the target may resolve without leaving this host. */
static int name_allowed(const char *h, size_t n)
{
	static const char invalid[] = ".invalid";
	struct in_addr a;
	char name[S4_HOST_MAX + 1];
	if (n > S4_HOST_MAX)
		return 1; /* over the limit: refused before any lookup */
	memcpy(name, h, n);
	name[n] = '\0';
	if (inet_pton(AF_INET, name, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127 || a.s_addr == 0;
	if (strcmp(name, "localhost") == 0 || n == 0)
		return 1;
	return n >= sizeof(invalid) - 1 && strcmp(name + n - (sizeof(invalid) - 1), invalid) == 0;
}

/* A mutated DSTIP that keeps the target on this host: loopback, or no
 * address at all (0.0.0.0, a 4a marker, the broadcast address). */
/* fuzz_ip_drawn() says which these are: change both together. */
static uint32_t pick_ip(struct runner *r, struct rng *g)
{
	switch (below(g, 6)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(g, 255); /* a 4a marker */
	case 2:
		return 0xffffffffu;
	case 3:
		return 0x7f000000u | below(g, 1u << 24);
	default:
		return r->dest_ip;
	}
}

int fuzz_ip_drawn(const struct runner *r, uint32_t ip)
{
	/* pick_ip()'s cases, in its order */
	return ip == 0 || s4_is_4a(ip) || ip == 0xffffffffu || (ip >> 24) == 127 ||
	       ip == r->dest_ip;
}

int fuzz_header_get(const struct sample *s, struct s4_request *h)
{
	return s4_parse_header(s->bytes, s->len, h) > 0 ? 0 : -1;
}

void fuzz_header_put(struct sample *s, const struct s4_request *h)
{
	uint8_t head[S4_HEADER_LEN + 1];
	struct s4_request w = {.vn = h->vn, .cd = h->cd, .dstport = h->dstport, .dstip = h->dstip,
	                       .userid = ""};
	if (s->len >= S4_HEADER_LEN && s4_write_request(head, sizeof(head), &w) == (int)sizeof(head))
		memcpy(s->bytes, head, S4_HEADER_LEN);
}

static void random_bytes(struct rng *g, char *out, size_t n, int no_nul)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = (char)below(g, 256);
		if (no_nul && out[i] == 0)
			out[i] = 'x';
	}
}

void fuzz_keep_names_local(struct sample *s)
{
	struct s4_request req;
	if (s4_parse_request(s->bytes, s->len, 0, &req) > 0 && req.host != NULL &&
	    !name_allowed(req.host, req.host_len)) {
		size_t off = (size_t)((const uint8_t *)req.host - s->bytes);
		memset(s->bytes + off, 'x', req.host_len);
		if (req.host_len >= 9)
			memcpy(s->bytes + off + req.host_len - 8, ".invalid", 8);
		else
			memcpy(s->bytes + off, "localhost", req.host_len);
	}
}

/* With a slow resolver here: every name that would need one becomes a
 * numeric form of the same length that resolvers read without asking DNS
 * (inet_aton's: "127.00001" is 127.0.0.1, "0001" is 0.0.0.1). */
static void keep_names_numeric(struct sample *s)
{
	struct s4_request req;
	if (s4_parse_request(s->bytes, s->len, 0, &req) <= 0 || req.host == NULL ||
	    req.host_len == 0 || req.host_len > S4_HOST_MAX)
		return;
	char name[S4_HOST_MAX + 1];
	struct in_addr a;
	memcpy(name, req.host, req.host_len);
	name[req.host_len] = '\0';
	if (inet_pton(AF_INET, name, &a) == 1 || strcmp(name, "localhost") == 0)
		return;
	uint8_t *h = s->bytes + ((const uint8_t *)req.host - s->bytes);
	size_t n = req.host_len;
	memset(h, '0', n);
	h[n - 1] = '1';
	if (n >= 6)
		memcpy(h, "127.", 4);
}

/* The fields of the request an iteration builds, before it is written. */
struct draft {
	char userid[1024], host[300];
	size_t ulen, hlen;
	const char *hostp; /* NULL: no SOCKS4a name */
	int cd;
	uint16_t port;
	uint32_t ip;
};

/* The valid request it starts from, and its USERID. */
static void draw_base(struct runner *r, struct rng *g, uint16_t refused, struct draft *d,
                      struct sample *s)
{
	char lit[16];
	struct in_addr a = {.s_addr = htonl(r->dest_ip)};
	inet_ntop(AF_INET, &a, lit, sizeof(lit));
	*d = (struct draft){.cd = S4_CMD_CONNECT, .port = r->echo_port, .ip = r->dest_ip};
	switch (below(g, 5)) {
	case 0:
		say(s, "%s", "CONNECT");
		break;
	case 1:
		say(s, "%s", "BIND");
		d->cd = S4_CMD_BIND;
		break;
	case 2:
		say(s, "%s", "CONNECT to a refused port");
		d->port = refused;
		break;
	default:
		say(s, "%s", "SOCKS4a CONNECT");
		d->ip = 1 + below(g, 255);
		d->hostp = d->host;
		if (chance(g, 50)) {
			d->hlen = strlen(lit);
			memcpy(d->host, lit, d->hlen);
		} else {
			d->hlen = 9;
			memcpy(d->host, "localhost", d->hlen);
		}
	}
	switch (below(g, 6)) {
	case 0:
		d->ulen = 0;
		break;
	case 1:
		d->ulen = 255;
		break;
	case 2:
		d->ulen = 256 + below(g, 700);
		say(s, "%s", "long USERID");
		break;
	default:
		d->ulen = below(g, 24);
	}
	random_bytes(g, d->userid, d->ulen, 1);
}

/* Field-aware mutations: CD, DSTPORT, DSTIP, the hostname. */
static void mutate_fields(struct runner *r, struct rng *g, int local_names, struct draft *d,
                          struct sample *s)
{
	if (chance(g, 10)) {
		d->cd = (int)below(g, 256);
		say(s, "%s", "CD");
	}
	if (chance(g, 10)) {
		d->port = (uint16_t)below(g, 65536);
		say(s, "%s", "DSTPORT");
	}
	if (chance(g, 15)) {
		d->ip = pick_ip(r, g);
		say(s, "%s", "DSTIP");
		if (s4_is_4a(d->ip) && d->hostp == NULL && chance(g, 50)) {
			d->hostp = d->host;
			d->hlen = 0;
		}
	}
	if (d->hostp == NULL || !chance(g, 30))
		return;
	say(s, "%s", "hostname");
	switch (below(g, 4)) {
	case 0:
		d->hlen = 0;
		break;
	case 1:
		d->hlen = 250 + below(g, 20); /* around the 255 limit */
		memset(d->host, 'h', d->hlen);
		break;
	default:
		d->hlen = 1 + below(g, 20);
		random_bytes(g, d->host, d->hlen, 1);
		memcpy(d->host + d->hlen, ".invalid", 8);
		d->hlen += 8;
		if (local_names) { /* the same draws, a name with no lookup */
			d->hlen = 9;
			memcpy(d->host, "localhost", d->hlen);
		}
	}
}

/* One raw byte mutation of kind at `at`. Returns 0 when nothing may follow it
 * (cut short into the header: appended bytes would become DSTIP). */
static int mutate_byte(struct rng *g, struct sample *s, size_t at, int kind)
{
	size_t n;
	switch (kind) {
	case 0:
		s->bytes[at] ^= (uint8_t)(1u << below(g, 8));
		say(s, "%s", "bit flip");
		return 1;
	case 1:
		s->bytes[at] = (uint8_t)below(g, 256);
		say(s, "%s", "byte");
		return 1;
	case 2:
		s->len = at;
		say(s, "%s", "cut short");
		return s->len >= S4_HEADER_LEN;
	case 3: /* insert up to 16 random bytes */
		n = 1 + below(g, 16);
		if (s->len + n <= sizeof(s->bytes)) {
			memmove(s->bytes + at + n, s->bytes + at, s->len - at);
			random_bytes(g, (char *)s->bytes + at, n, 0);
			s->len += n;
			say(s, "%s", "insert");
		}
		return 1;
	default: /* garbage (or the request again) behind it */
		n = 1 + below(g, 64);
		if (s->len + n <= sizeof(s->bytes)) {
			random_bytes(g, (char *)s->bytes + s->len, n, 0);
			s->len += n;
			say(s, "%s", "trailing bytes");
		}
		return 1;
	}
}

/* Raw byte mutations: never on DSTIP (bytes 4-7), where the target would
 * connect; an insert (which shifts what follows) only behind it. */
static void mutate_raw(struct rng *g, struct sample *s)
{
	int raw = chance(g, 40) ? 1 + (int)below(g, 3) : 0;
	for (int k = 0; k < raw && s->len > 0; k++) {
		size_t at = below(g, (uint32_t)s->len);
		int kind = (int)below(g, 5);
		if (at >= 4 && at < S4_HEADER_LEN && kind <= 1)
			at -= 4; /* a flip or byte on VN, CD or DSTPORT instead */
		if (kind == 3 && at < S4_HEADER_LEN)
			at = s->len < S4_HEADER_LEN ? s->len : S4_HEADER_LEN;
		if (!mutate_byte(g, s, at, kind))
			break;
	}
}

/* How it travels: cut points (ascending) and a pause between the writes. */
static void draw_cuts(struct rng *g, struct sample *s)
{
	s->ncuts = chance(g, 50) ? below(g, MAX_CUTS + 1) : 0;
	for (size_t k = 0; k < s->ncuts; k++)
		s->cuts[k] = s->len ? 1 + below(g, (uint32_t)s->len) : 0;
	for (size_t a1 = 0; a1 < s->ncuts; a1++)
		for (size_t b = a1 + 1; b < s->ncuts; b++)
			if (s->cuts[b] < s->cuts[a1]) {
				size_t t = s->cuts[a1];
				s->cuts[a1] = s->cuts[b];
				s->cuts[b] = t;
			}
	s->gap_ms = s->ncuts && chance(g, 20) ? (int)below(g, 40) : 0;
}

/* What every request goes through once its fields are written: VN, raw
 * bytes, names kept local, the split. */
static void finish(struct rng *g, int local_names, struct sample *s)
{
	if (chance(g, 10)) {
		s->bytes[0] = (uint8_t)below(g, 256);
		say(s, "%s", "VN");
	}
	mutate_raw(g, s);
	fuzz_keep_names_local(s);
	if (local_names)
		keep_names_numeric(s);
	draw_cuts(g, s);
}

/* Builds iteration i's request: the draws happen in this order, always, so a
 * seed and an iteration number give the same bytes (--fuzz-from). */
static void generate(struct runner *r, struct rng *g, uint16_t refused, int local_names,
                     struct sample *s)
{
	struct draft d;
	memset(s, 0, sizeof(*s));
	draw_base(r, g, refused, &d, s);
	mutate_fields(r, g, local_names, &d, s);
	s->len = req_build(s->bytes, sizeof(s->bytes), d.cd, d.port, d.ip, d.userid, d.ulen,
	                   d.hostp, d.hlen);
	finish(g, local_names, s);
}

/* USERID mutations of a request that has one already: a byte changed
 * (printable half of the time), inserted or removed, or a run appended. */
static void mutate_userid(struct rng *g, struct draft *d, struct sample *s)
{
	if (!chance(g, 60))
		return;
	size_t at = below(g, (uint32_t)d->ulen + 1);
	char c = (char)(chance(g, 50) ? 0x20 + below(g, 0x5f) : 1 + below(g, 255));
	say(s, "%s", "USERID byte");
	int kind = (int)below(g, 4);
	if (kind == 0 && at < d->ulen) {
		d->userid[at] = c;
	} else if (kind <= 1 && d->ulen < sizeof(d->userid)) { /* at the end: an insert */
		memmove(d->userid + at + 1, d->userid + at, d->ulen - at);
		d->userid[at] = c;
		d->ulen++;
	} else if (kind == 2 && at < d->ulen) {
		memmove(d->userid + at, d->userid + at + 1, d->ulen - at - 1);
		d->ulen--;
	} else if (kind == 3) {
		size_t n = 1 + below(g, 8);
		if (d->ulen + n <= sizeof(d->userid)) {
			random_bytes(g, d->userid + d->ulen, n, 1);
			d->ulen += n;
		}
	}
}

/* A request that exists (a corpus entry) mutated as iterations are: when it
 * parses (or is cut short in USERID), three times in four its fields (USERID
 * too) are drawn again and it is written anew, with whatever followed it
 * kept; then finish(). */
static void mutate_request(struct fuzz_run *fr, struct rng *g, const struct sample *from,
                           struct sample *s)
{
	struct s4_request req;
	struct draft d;
	memset(s, 0, sizeof(*s));
	int n = s4_parse_request(from->bytes, from->len, 0, &req);
	if (n == S4_INCOMPLETE && from->len > S4_HEADER_LEN &&
	    memchr(from->bytes + S4_HEADER_LEN, 0, from->len - S4_HEADER_LEN) == NULL &&
	    fuzz_header_get(from, &req) == 0) {
		/* cut short in USERID: the fields path ends it (a NUL) */
		req.userid = (const char *)from->bytes + S4_HEADER_LEN;
		req.userid_len = from->len - S4_HEADER_LEN;
		n = (int)from->len;
	}
	if (n <= 0 || req.userid_len > sizeof(d.userid) || req.host_len > sizeof(d.host) ||
	    !chance(g, 75)) {
		memcpy(s->bytes, from->bytes, from->len);
		s->len = from->len;
		finish(g, fr->local_names, s);
		return;
	}
	d = (struct draft){.cd = req.cd, .port = req.dstport, .ip = req.dstip,
	                   .ulen = req.userid_len, .hlen = req.host_len};
	memcpy(d.userid, req.userid, d.ulen);
	if (req.host != NULL) {
		memcpy(d.host, req.host, d.hlen);
		d.hostp = d.host;
	}
	mutate_userid(g, &d, s);
	mutate_fields(fr->r, g, fr->local_names, &d, s);
	s->len = req_build(s->bytes, sizeof(s->bytes), d.cd, d.port, d.ip, d.userid, d.ulen,
	                   d.hostp, d.hlen);
	size_t rest = from->len - (size_t)n;
	if (s->len + rest <= sizeof(s->bytes)) {
		memcpy(s->bytes + s->len, from->bytes + n, rest);
		s->len += rest;
	}
	finish(g, fr->local_names, s);
}

void fuzz_make(struct fuzz_run *fr, struct rng *g, const struct sample *from, struct sample *s)
{
	if (from == NULL)
		generate(fr->r, g, fr->refused, fr->local_names, s);
	else
		mutate_request(fr, g, from, s);
}

void fuzz_generate(struct fuzz_run *fr, long i, struct sample *s)
{
	if (fr->recent != NULL) { /* coverage.c ran it: it is kept there */
		*s = fr->recent[i % fr->nrecent];
		return;
	}
	struct rng g = rng_for(fr->seed, i);
	generate(fr->r, &g, fr->refused, fr->local_names, s);
}

struct rng fuzz_rng(uint64_t seed, long i)
{
	return rng_for(seed, i);
}

uint32_t fuzz_below(struct rng *g, uint32_t n)
{
	return below(g, n);
}

/* Sends one sample and judges the answer. Returns 1 when fine. */
static int judge(struct ctx *c, const struct sample *s, char *why, size_t whylen)
{
	char what[128];
	int fd = t_connect(c);
	if (fd < 0) {
		snprintf(why, whylen, "%s", c->res->actual);
		return 0;
	}
	/* A target may close as soon as it sees a bad byte, before we are done
	 * sending: that is a close, and allowed. */
	if (t_send_split(c, fd, s->bytes, s->len, s->cuts, s->ncuts, s->gap_ms) == 0)
		t_shutdown_write(c, fd);
	struct got g;
	t_read_reply(c, fd, case_timeout_ms(c), &g);
	switch (g.kind) {
	case GOT_EOF:
	case GOT_RESET:
		return 1;
	case GOT_REPLY:
		if (g.rep.cd < S4_REP_GRANTED || g.rep.cd > S4_REP_IDENT_MISMATCH) {
			snprintf(why, whylen, "reply code %u is none of 90-93", g.rep.cd);
			return 0;
		}
		if (g.rep.cd != S4_REP_GRANTED && !t_expect_close(c, fd, case_timeout_ms(c))) {
			snprintf(why, whylen, "after %u: %s", g.rep.cd, c->res->actual);
			return 0;
		}
		return 1;
	case GOT_TIMEOUT:
		snprintf(why, whylen, "%s and no close within %d ms of the request's end",
		         got_str(&g, what, sizeof(what)), case_timeout_ms(c));
		return names_silent(c, s->bytes, s->len, why, whylen) ? 2 : 0;
	default:
		snprintf(why, whylen, "%s", got_str(&g, what, sizeof(what)));
		return 0;
	}
}

enum try_result fuzz_try(struct fuzz_run *fr, const struct sample *s, int check, char *why,
                         size_t whylen)
{
	struct scratch *sc = malloc(sizeof(*sc)); /* traces are large for a thread's stack */
	char health[256];
	if (sc == NULL) {
		snprintf(why, whylen, "out of memory");
		return TRY_FAIL;
	}
	scratch_init(sc, fr->r, "fuzz");
	int ok = judge(&sc->c, s, why, whylen);
	int inconclusive = ok == 2;
	scratch_finish(sc);
	free(sc);
	/* After a wrong answer the check tells it from a target that stopped
	 * serving (or died while answering). */
	if (fr->tp != NULL && !tp_running(fr->tp))
		return TRY_DOWN;
	if ((check || !ok) && !target_serves(fr->r, NULL, health, sizeof(health))) {
		snprintf(why, whylen, "afterwards the target no longer grants a valid CONNECT (%s)",
		         health);
		return TRY_DOWN;
	}
	return inconclusive ? TRY_INCONCLUSIVE : ok ? TRY_OK : TRY_FAIL;
}

void fuzz_split_str(const struct sample *s, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	if (s->ncuts == 0) {
		snprintf(out, cap, "in one write");
		return;
	}
	o += (size_t)snprintf(out + o, cap - o, "sent in writes ending at");
	for (size_t k = 0; k < s->ncuts && o < cap; k++)
		o += (size_t)snprintf(out + o, cap - o, " %zu", s->cuts[k]);
	if (o < cap)
		snprintf(out + o, cap - o, " and %zu, %d ms apart", s->len, s->gap_ms);
}

/* " --exec 'CMD'" or " --target ADDR" or "" (the built-in server). */
static void target_args(const struct runner *r, char *out, size_t cap)
{
	if (r->o.exec_cmd != NULL)
		snprintf(out, cap, " --exec '%s'", r->o.exec_cmd);
	else if (r->o.target != NULL)
		snprintf(out, cap, " --target %s", r->o.target);
	else
		out[0] = '\0';
}

void fuzz_report(struct fuzz_run *fr, long i, const struct sample *s, const char *why)
{
	struct runner *r = fr->r;
	FILE *f = fr->out;
	char split[160], args[600];
	fuzz_split_str(s, split, sizeof(split));
	target_args(r, args, sizeof(args));
	fprintf(f, "\nFAIL iteration %ld (seed %llu): ", i, (unsigned long long)fr->seed);
	esc_term(f, why);
	fprintf(f, "\n");
	fprintf(f, "  request: %s; %zu bytes", s->what, s->len);
	if (s->ncuts)
		fprintf(f, ", %s", split);
	fprintf(f, ", then end of file\n  bytes: ");
	for (size_t k = 0; k < s->len; k++)
		fprintf(f, "%02x", s->bytes[k]);
	fprintf(f, "\n  again: socks4-client --proxy %s --raw '", r->target_text);
	for (size_t k = 0; k < s->len; k++)
		fprintf(f, "%02x", s->bytes[k]);
	fprintf(f, "'\n  or:    socks4-test%s --seed %llu --fuzz-from %ld --fuzz 1\n", args,
	        (unsigned long long)fr->seed, i);
	fflush(f);
}

/* One updating line on a terminal, at most every PROGRESS_EVERY_MS (under r->mu). */
static void show_progress(struct fuzz_run *fr, int last)
{
	int64_t now = net_now_ms();
	if (!fr->progress || (!last && now - fr->shown_ms < PROGRESS_EVERY_MS))
		return;
	fr->shown_ms = now;
	double secs = (double)(now - fr->t0) / 1000.0;
	char crashes[48] = "";
	if (fr->tp != NULL)
		snprintf(crashes, sizeof(crashes), ", %ld crashes", fr->crashes);
	fprintf(stderr, "\rfuzz: %ld/%ld, %ld failures%s, %.0f/s ", fr->done, fr->n, fr->failures,
	        crashes, secs > 0 ? (double)fr->done / secs : 0.0);
}

void fuzz_count(struct fuzz_run *fr, long i, const struct sample *s, enum try_result t,
                const char *why, int checked, uint64_t before)
{
	fr->done++;
	if (!checked)
		fr->unverified[fr->done_seq++ % UNVERIFIED_MAX] = i;
	else if (before > fr->verified_seq)
		fr->verified_seq = before;
	if (t == TRY_INCONCLUSIVE)
		fr->inconclusive++;
	else if (t != TRY_OK && fr->failures++ < REPORT_MAX && fr->recent == NULL)
		fuzz_report(fr, i, s, why); /* (coverage.c's are findings: finding.c) */
	show_progress(fr, 0);
}

struct worker {
	struct fuzz_run *fr;
	int stall_lane; /* runs only iterations that pause between writes */
	int unchecked;  /* iterations since this thread's last "still serves" check */
};

/* Runs iteration i. A target that stopped serving halts the run, and the
 * iteration becomes a suspect for fuzz_recover(). */
static void run_iteration(struct fuzz_run *fr, struct worker *w, long i, const struct sample *s)
{
	struct runner *r = fr->r;
	char why[640] = "";
	uint64_t mark = fr->tp != NULL ? tp_log_mark(fr->tp) : 0;
	int check = ++w->unchecked >= CHECK_EVERY;
	/* What was done before this point is covered by this iteration's check;
	 * this iteration itself too. */
	pthread_mutex_lock(&r->mu);
	uint64_t before = fr->done_seq;
	pthread_mutex_unlock(&r->mu);
	enum try_result t = fuzz_try(fr, s, check, why, sizeof(why));
	if (check)
		w->unchecked = 0;

	pthread_mutex_lock(&r->mu);
	fr->running--;
	if (t == TRY_DOWN || fr->halt) {
		/* Its verdict does not count: the target may have died under it. */
		fr->halt = 1;
		if (fr->nsuspects < SUSPECTS_MAX)
			fr->suspects[fr->nsuspects++] = (struct suspect){i, mark, 0};
	} else {
		fr->pending--;
		fuzz_count(fr, i, s, t, why, check || t == TRY_FAIL, before);
		if ((check || t == TRY_FAIL) && mark > fr->verified_mark)
			fr->verified_mark = mark;
	}
	if (fr->halt && fr->running == 0)
		pthread_cond_signal(&fr->main_cv); /* the coordinator's turn */
	pthread_mutex_unlock(&r->mu);
}

/* The next iteration for this thread (under r->mu): -1 when there is none. */
static long take(struct fuzz_run *fr, const struct worker *w)
{
	for (;;) {
		if (fr->stop)
			return -1;
		if (!fr->halt) {
			int handed_out = fr->next >= fr->first + fr->n ||
			                 (fr->deadline != 0 && net_remaining_ms(fr->deadline) <= 0);
			if (fr->stall_len > 0 && (w->stall_lane || handed_out)) {
				fr->running++;
				return fr->stall_q[--fr->stall_len];
			}
			if (!w->stall_lane && !handed_out) {
				fr->pending++;
				fr->running++;
				return fr->next++;
			}
			if (!w->stall_lane || fr->senders == 0)
				return -1; /* nothing left, and no one can queue more */
		}
		pthread_cond_wait(&fr->lane_cv, &fr->r->mu);
	}
}

static void *fuzz_worker(void *arg)
{
	struct worker *w = arg;
	struct fuzz_run *fr = w->fr;
	struct runner *r = fr->r;
	struct sample *s = malloc(sizeof(*s));
	for (;;) {
		pthread_mutex_lock(&r->mu);
		long i = s != NULL ? take(fr, w) : -1;
		pthread_mutex_unlock(&r->mu);
		if (i < 0)
			break;
		fuzz_generate(fr, i, s);
		if (!w->stall_lane && s->gap_ms > 0) {
			pthread_mutex_lock(&r->mu);
			int queued = fr->stall_len < fr->stall_cap;
			if (queued) {
				fr->stall_q[fr->stall_len++] = i;
				fr->running--;
				pthread_cond_signal(&fr->lane_cv);
				if (fr->halt && fr->running == 0)
					pthread_cond_signal(&fr->main_cv);
			}
			pthread_mutex_unlock(&r->mu);
			if (queued)
				continue;
		}
		run_iteration(fr, w, i, s);
	}
	free(s);
	pthread_mutex_lock(&r->mu);
	fr->workers--;
	fr->senders -= !w->stall_lane;
	pthread_cond_broadcast(&fr->lane_cv); /* stall lanes: maybe no one queues any more */
	pthread_cond_signal(&fr->main_cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* A port on dest-addr where CONNECTs are refused for the whole run: bound and
 * not listening (a port merely closed could be handed to the next bind(0)). */
static void hold_refused_port(struct fuzz_run *fr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	fr->refused_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	net_sockaddr4(&ss, &len, fr->r->dest_ip, 0);
	if (fr->refused_fd >= 0 && bind(fr->refused_fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fr->refused_fd, (struct sockaddr *)&ss, &len) == 0)
		fr->refused = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Before the first iteration: the target must serve (else iteration 0 would be
 * blamed for it), and the banner says what is fuzzed. -1 when it does not serve. */
static int fuzz_begin(struct fuzz_run *fr)
{
	struct runner *r = fr->r;
	FILE *out = fr->out;
	char ip[16], why[256], where[300];
	struct in_addr a = {.s_addr = htonl(r->dest_ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (!target_serves(r, NULL, why, sizeof(why))) {
		fprintf(out,
		        "socks4-test: %s does not grant a valid CONNECT to %s:%u before "
		        "fuzzing: %s\n",
		        r->target_text, ip, r->echo_port, why);
		return -1;
	}
	char amount[64];
	if (fr->duration_ms > 0)
		snprintf(amount, sizeof(amount), "for %.1f s%s", fr->duration_ms / 1000.0,
		         fr->n < FUZZ_N_MAX ? " at most" : "");
	else
		snprintf(amount, sizeof(amount), "with %ld requests", fr->n);
	if (fr->duration_ms > 0 && fr->n < FUZZ_N_MAX)
		snprintf(amount + strlen(amount), sizeof(amount) - strlen(amount), ", %ld requests",
		         fr->n);
	fprintf(out, "socks4-test: fuzzing %s %s, seed %llu, from iteration %ld\n",
	        r->target_text, amount, (unsigned long long)fr->seed, fr->first);
	/* Made-up SOCKS4a names go to the target's resolver: when this host's
	 * is slow, they would measure it, not the target. */
	if (!r->names_ours && !names_fast(r, fr->names_why, sizeof(fr->names_why))) {
		fr->local_names = 1;
		fprintf(out,
		        "socks4-test: this host's resolver is slow (%s): made-up SOCKS4a names "
		        "are \"localhost\" instead of NAME.invalid\n",
		        fr->names_why);
	}
	if (fr->tp != NULL)
		fprintf(out, "socks4-test: the target is '%s'; crashes go to %s\n",
		        tp_command(fr->tp), crashdir_describe(r->o.crash_dir, where, sizeof(where)));
	fflush(out);
	return 0;
}

/* Starts jobs senders and their stall lanes; returns how many threads started. */
static int fuzz_start(struct fuzz_run *fr, int jobs, int lanes, pthread_t *tids,
                      struct worker *ws)
{
	struct runner *r = fr->r;
	int started = 0;
	for (int k = 0; k < jobs + lanes; k++) {
		ws[k] = (struct worker){fr, k >= jobs, 0};
		pthread_mutex_lock(&r->mu);
		fr->workers++;
		fr->senders += k < jobs;
		pthread_mutex_unlock(&r->mu);
		if (pthread_create(&tids[started], NULL, fuzz_worker, &ws[k]) == 0) {
			started++;
			continue;
		}
		pthread_mutex_lock(&r->mu);
		fr->workers--;
		fr->senders -= k < jobs;
		pthread_mutex_unlock(&r->mu);
	}
	return started;
}

/* This thread handles the target's deaths, once nothing runs, until every
 * worker is done. */
static void fuzz_watch(struct fuzz_run *fr)
{
	struct runner *r = fr->r;
	pthread_mutex_lock(&r->mu);
	while (fr->workers > 0) {
		if (fr->halt && fr->running == 0) {
			pthread_mutex_unlock(&r->mu);
			fuzz_recover(fr);
			pthread_mutex_lock(&r->mu);
			fr->halt = 0;
			fr->nsuspects = 0;
			pthread_cond_broadcast(&fr->lane_cv);
			continue;
		}
		pthread_cond_wait(&fr->main_cv, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
}

void fuzz_summary(struct fuzz_run *fr)
{
	FILE *out = fr->out;
	double secs = (double)(net_now_ms() - fr->t0) / 1000.0;
	fprintf(out, "fuzz: %ld requests in %.1f s (%.0f/s), %ld failures", fr->done, secs,
	        secs > 0 ? (double)fr->done / secs : 0.0, fr->failures);
	if (fr->inconclusive > 0)
		fprintf(out,
		        ", %ld inconclusive (no answer to a SOCKS4a name this host could not look up "
		        "in time either)",
		        fr->inconclusive);
	if (fr->tp != NULL)
		fprintf(out, ", %ld crashes (%d signatures), %d restarts", fr->crashes, fr->nkinds,
		        tp_restarts(fr->tp));
	fprintf(out, "%s%s%s\n", fr->stop ? " (stopped: " : "", fr->stop ? fr->stop_why : "",
	        fr->stop ? ")" : "");
	fuzz_crash_summary(fr);
}

struct fuzz_run *fuzz_open(struct runner *r, long first, long n, uint64_t seed,
                           int64_t duration_ms, FILE *out)
{
	struct fuzz_run *fr = calloc(1, sizeof(*fr));
	if (fr == NULL)
		return NULL;
	*fr = (struct fuzz_run){.r = r,
	                        .tp = r->tp,
	                        .first = first,
	                        .n = n,
	                        .seed = seed,
	                        .duration_ms = duration_ms,
	                        .next = first,
	                        .progress = isatty(STDERR_FILENO),
	                        .out = out};
	hold_refused_port(fr);
	if (fuzz_begin(fr) < 0) {
		fuzz_close(fr);
		return NULL;
	}
	pthread_cond_init(&fr->lane_cv, NULL);
	pthread_cond_init(&fr->main_cv, NULL);
	fr->t0 = net_now_ms();
	fr->deadline = duration_ms > 0 ? fr->t0 + duration_ms : 0;
	return fr;
}

void fuzz_close(struct fuzz_run *fr)
{
	if (fr->t0 != 0) { /* fuzz_open got that far */
		pthread_cond_destroy(&fr->lane_cv);
		pthread_cond_destroy(&fr->main_cv);
	}
	if (fr->refused_fd >= 0)
		close(fr->refused_fd);
	free(fr);
}

long livefuzz_run(struct runner *r, const struct fuzz_opts *o, FILE *out)
{
	struct fuzz_run *fr = fuzz_open(r, o->first, o->n, o->seed, o->duration_ms, out);
	if (fr == NULL)
		return -1;
	int jobs = o->jobs < 1 ? 1 : o->jobs > JOBS_MAX ? JOBS_MAX : o->jobs;
	int lanes = jobs * STALL_PER_JOB < STALL_MAX ? jobs * STALL_PER_JOB : STALL_MAX;
	long stall_q[STALL_MAX];
	pthread_t tids[JOBS_MAX + STALL_MAX];
	struct worker ws[JOBS_MAX + STALL_MAX];
	fr->stall_q = stall_q;
	fr->stall_cap = lanes;
	int started = fuzz_start(fr, jobs, lanes, tids, ws);
	fuzz_watch(fr);
	for (int k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	/* The last iterations of each thread had no check after them yet. */
	char why[256];
	if (!fr->stop && fr->done_seq > fr->verified_seq &&
	    !target_serves(r, NULL, why, sizeof(why)))
		fuzz_recover(fr);
	if (fr->progress) {
		show_progress(fr, 1);
		fprintf(stderr, "\n");
	}
	fuzz_summary(fr);
	if (o->map != NULL) /* --coverage-measure: what the blind run reached */
		stats_blind(fr, o->json, covmap_reached(o->map), o->map->size);
	long failures = fr->failures;
	fuzz_close(fr);
	return failures;
}
