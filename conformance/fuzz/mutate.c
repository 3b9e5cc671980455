/* SPDX-License-Identifier: MIT */
/* mutate.c - AFL's byte-level mutations and dictionary splices, under live
 * fuzzing's own, for coverage-guided fuzzing. */
#include <arpa/inet.h>
#include <string.h>

#include "fuzz/mutate.h"
#include "socks4.h"

#define HAVOC_PERCENT 60  /* inputs that get byte-level mutations */
#define SPLICE_PERCENT 10 /* inputs made of two entries */
#define HAVOC_STACK 8     /* at most this many at once (AFL: up to 2^7) */
#define ARITH_MAX 35      /* AFL's ARITH_MAX */
#define BLOCK_MAX 32
#define GAP_MAX_MS 2 /* pauses between writes: enough to part the reads on loopback */

/* AFL's interesting values (config.h INTERESTING_8/16/32, the 32-bit ones
 * cut to those that differ from the 16-bit ones). */
static const int8_t interesting8[] = {-128, -1, 0, 1, 16, 32, 64, 100, 127};
static const int16_t interesting16[] = {-32768, -129, 128, 255, 256, 512, 1000, 1024, 4096,
                                        32767};
static const int32_t interesting32[] = {INT32_MIN, -100663046, -32769, 32768, 65535, 65536,
                                        100663045, INT32_MAX};

/* A place for width bytes that overlaps neither DSTIP nor the end; -1 when
 * there is none. */
static long place(struct rng *g, size_t len, size_t width)
{
	if (len < width)
		return -1;
	size_t p = fuzz_below(g, (uint32_t)(len - width + 1));
	if (p + width <= FUZZ_DSTIP_AT || p >= S4_HEADER_LEN)
		return (long)p;
	if (len >= S4_HEADER_LEN + width)
		return S4_HEADER_LEN + fuzz_below(g, (uint32_t)(len - width - S4_HEADER_LEN + 1));
	return width <= FUZZ_DSTIP_AT ? (long)fuzz_below(g, FUZZ_DSTIP_AT - (uint32_t)width + 1) : -1;
}

/* Where bytes may be inserted or removed: behind the header. */
static long behind(struct rng *g, size_t len)
{
	if (len < S4_HEADER_LEN)
		return -1;
	return (long)(S4_HEADER_LEN + fuzz_below(g, (uint32_t)(len - S4_HEADER_LEN + 1)));
}

static void put(struct sample *s, long at, uint64_t v, size_t width)
{
	for (size_t k = 0; k < width; k++) /* network order, as DSTPORT is */
		s->bytes[at + (long)k] = (uint8_t)(v >> (8 * (width - 1 - k)));
}

/* n bytes at `at` (behind the header): inserted, or written over. */
static void splice_in(struct sample *s, long at, const uint8_t *b, size_t n, int insert)
{
	size_t a = (size_t)at;
	if (insert && s->len + n <= sizeof(s->bytes)) {
		memmove(s->bytes + a + n, s->bytes + a, s->len - a);
		memcpy(s->bytes + a, b, n);
		s->len += n;
	} else if (!insert) {
		size_t room = sizeof(s->bytes) - a;
		n = n < room ? n : room;
		memcpy(s->bytes + a, b, n);
		if (a + n > s->len)
			s->len = a + n;
	}
}

/* A value at a place: a bit, an interesting value, arithmetic, a random byte. */
static void havoc_value(struct rng *g, struct sample *s, int kind)
{
	static const size_t widths[] = {1, 1, 2, 4, 1, 1};
	long at = place(g, s->len, widths[kind]);
	if (at < 0)
		return;
	switch (kind) {
	case 0:
		s->bytes[at] ^= (uint8_t)(1u << fuzz_below(g, 8));
		break;
	case 1:
		s->bytes[at] = (uint8_t)interesting8[fuzz_below(g, sizeof(interesting8))];
		break;
	case 2:
		put(s, at, (uint16_t)interesting16[fuzz_below(g, sizeof(interesting16) / 2)], 2);
		break;
	case 3:
		put(s, at, (uint32_t)interesting32[fuzz_below(g, sizeof(interesting32) / 4)], 4);
		break;
	case 4:
		s->bytes[at] = (uint8_t)(s->bytes[at] + (fuzz_below(g, 2) ? 1 : -1) *
		                                               (int)(1 + fuzz_below(g, ARITH_MAX)));
		break;
	default:
		s->bytes[at] = (uint8_t)fuzz_below(g, 256);
	}
}

/* A block behind the header: deleted, cloned, or written over with another
 * part of the input; or a dictionary token written or inserted. */
static void havoc_block(struct rng *g, const struct corpus *c, struct sample *s, int kind)
{
	long at = behind(g, s->len);
	if (at < 0)
		return;
	size_t tail = s->len - (size_t)at;
	size_t n = 1 + fuzz_below(g, BLOCK_MAX);
	if (kind == 0) {
		n = n < tail ? n : tail;
		memmove(s->bytes + at, s->bytes + at + (long)n, tail - n);
		s->len -= n;
	} else if (kind <= 2 && s->len > 0) {
		uint8_t blk[BLOCK_MAX];
		size_t from = fuzz_below(g, (uint32_t)s->len);
		n = n < s->len - from ? n : s->len - from;
		memcpy(blk, s->bytes + from, n);
		splice_in(s, at, blk, n, kind == 1);
	} else if (c->ndict > 0) {
		const struct dict_token *t = &c->dict[fuzz_below(g, (uint32_t)c->ndict)];
		splice_in(s, at, t->b, t->len, kind == 3);
	}
}

/* AFL's splice: this entry up to a point behind the header, the other from
 * the same point. */
static void splice_two(struct rng *g, const struct cov_entry *b, struct sample *s)
{
	size_t shorter = s->len < b->len ? s->len : b->len;
	if (shorter <= S4_HEADER_LEN)
		return;
	size_t at = S4_HEADER_LEN + fuzz_below(g, (uint32_t)(shorter - S4_HEADER_LEN));
	memcpy(s->bytes + at, b->bytes + at, b->len - at);
	s->len = b->len;
}

void cov_mutate(struct fuzz_run *fr, struct rng *g, const struct corpus *c, size_t k,
                struct sample *out, struct sample *tmp)
{
	const struct cov_entry *e = &c->e[k];
	memset(tmp, 0, sizeof(*tmp));
	memcpy(tmp->bytes, e->bytes, e->len);
	tmp->len = e->len;
	if (c->n > 1 && fuzz_below(g, 100) < SPLICE_PERCENT)
		splice_two(g, &c->e[fuzz_below(g, (uint32_t)c->n)], tmp);
	if (fuzz_below(g, 100) < HAVOC_PERCENT) {
		int stack = 1 << fuzz_below(g, 4); /* 1, 2, 4 or 8, as AFL stacks them */
		for (int j = 0; j < stack && j < HAVOC_STACK; j++) {
			int kind = (int)fuzz_below(g, 11);
			if (kind < 6)
				havoc_value(g, tmp, kind);
			else
				havoc_block(g, c, tmp, kind - 6);
		}
	}
	fuzz_make(fr, g, tmp, out);
	/* An entry shorter than the header: what live fuzzing appends to it
	 * (an insert, trailing bytes) lands in DSTIP, which must stay here. */
	cov_tame(fr, out, 0);
	if (out->gap_ms > GAP_MAX_MS) /* one input at a time: a pause is the run's */
		out->gap_ms = 1 + out->gap_ms % GAP_MAX_MS;
	char from[48];
	int n = snprintf(from, sizeof(from), "from corpus entry %ld%s", e->id,
	                 out->what[0] ? ": " : "");
	size_t keep = sizeof(out->what) - (size_t)n - 1; /* what fits after it */
	memmove(out->what + n, out->what, keep);
	out->what[n + (long)keep] = '\0';
	memcpy(out->what, from, (size_t)n);
}

void cov_tame(struct fuzz_run *fr, struct sample *s, int seed)
{
	struct s4_request h;
	if (fuzz_header_get(s, &h) == 0) {
		if (!fuzz_ip_drawn(fr->r, h.dstip))
			h.dstip = fr->r->dest_ip;
		if (seed)
			h.dstport = fr->r->echo_port;
		fuzz_header_put(s, &h);
	}
	fuzz_keep_names_local(s);
}
