/* SPDX-License-Identifier: MIT */
/* client-cases/relay.c - after the 90 the client is "directly connected to
 * the application server": its stdin reaches the destination and the
 * destination's bytes its stdout, byte-exact and in bulk, and an end of file
 * is passed on in each direction. */
#include "client/clientmode.h"

static enum verdict exchange_of(struct ctx *c, size_t binary, enum px_flow flow)
{
	struct exchange e;
	ex_init(c, &e, HOST_LITERAL);
	if (binary > 0)
		ex_binary(c, &e, binary);
	e.s.flow = flow;
	ex_run(c, &e);
	return ex_expect_success(c, &e);
}

/* S4-CONNECT-6: "the SOCKS server gets ready to relay traffic on both
 * directions"; S4-CONNECT-7: "as if it were directly connected". */
static enum verdict both_ways(struct ctx *c)
{
	return exchange_of(c, 0, PX_DEST_CLOSES);
}

/* S4-CONNECT-7: every byte value, both ways. */
static enum verdict binary(struct ctx *c)
{
	return exchange_of(c, 512, PX_DEST_CLOSES);
}

/* S4-CONNECT-7 (B19): --relay-bytes (1 MiB) each way. */
static enum verdict large(struct ctx *c)
{
	return exchange_of(c, relay_bytes(c), PX_DEST_CLOSES);
}

/* S4-CONNECT-7 (B19 "local half close"): the client's input ends first; the
 * destination must see that end of file and can still answer after it. */
static enum verdict half_close_client(struct ctx *c)
{
	return exchange_of(c, 0, PX_CLIENT_EOF);
}

/* S4-CONNECT-7 (B19 "remote half close"): the destination sends and ends
 * first; the client still delivers its input afterwards. */
static enum verdict half_close_destination(struct ctx *c)
{
	return exchange_of(c, 0, PX_DEST_FIN);
}

static const struct s4case cases[] = {
        {"relay/both-ways", "S4-CONNECT-6 S4-CONNECT-7", LEVEL_MUST,
         "stdin reaches the destination and its answer stdout", EXPECT_WORKS, CNEED_CONNECT, 0,
         both_ways},
        {"relay/binary", "S4-CONNECT-7", LEVEL_MUST, "every byte value passes both ways",
         EXPECT_WORKS, CNEED_CONNECT | CNEED_EXACT_OUT, 0, binary},
        {"relay/large", "S4-CONNECT-7", LEVEL_MUST, "a large transfer each way, byte-exact",
         EXPECT_WORKS, CNEED_CONNECT | CNEED_EXACT_OUT, 0, large},
        {"relay/half-close/client", "S4-CONNECT-7", LEVEL_SHOULD,
         "the end of stdin reaches the destination, and its answer still comes",
         "X, then an end of file at the destination; Y after it on stdout; exit 0",
         CNEED_CONNECT | CNEED_STREAM, 0, half_close_client},
        {"relay/half-close/destination", "S4-CONNECT-7", LEVEL_SHOULD,
         "after the destination's end of file the client still delivers its input",
         "Y and an end of file first; X (written to stdin only then) still reaches the "
         "destination; exit 0",
         CNEED_CONNECT | CNEED_STREAM, 0, half_close_destination},
};

const struct case_table client_cases_relay = {cases, sizeof(cases) / sizeof(cases[0])};
