/* SPDX-License-Identifier: MIT */
/* escape.h - target and client bytes are data: the one escaping rule of each
 * output kind socks4-test writes, in one place. Everything a target, a
 * client, a BIND peer or an identd sent (and every text built from it: the
 * Actual line, a trace note, the target's output, a crash signature) goes
 * through one of these on its way out.
 *
 *   terminal  human report, --fuzz output, crash signatures, TAP lines: every
 *             byte outside printable ASCII (0x20..0x7e) as \xNN, so no
 *             control byte reaches a terminal and a newline cannot start a
 *             fake report line. The runner's own
 *             colours are written by the runner, never through here.
 *   JSON      a string with its quotes: valid UTF-8 kept as is, controls as
 *             \u00XX, each byte of an invalid sequence as U+FFFD.
 *   XML/HTML  text and attribute values: & < > " ' as entities, valid UTF-8
 *             kept, \t \n \r kept, other controls (not allowed in XML 1.0,
 *             even as references) and U+FFFE/U+FFFF as the text "\xNN", each
 *             byte of an invalid sequence as &#xFFFD;.
 * All of them take NUL-terminated text; nothing here allocates. */
#ifndef SOCKS4KIT_ESCAPE_H
#define SOCKS4KIT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Terminal text to f. */
void esc_term(FILE *f, const char *s);
/* Terminal text of n bytes into out (cap bytes with the NUL, cut at a whole
 * escape); returns out. */
char *esc_term_buf(char *out, size_t cap, const char *s, size_t n);
/* The same rule in place: s rewritten within cap bytes. */
void esc_term_inplace(char *s, size_t cap);

/* A JSON string, quotes included, to f. */
void esc_json(FILE *f, const char *s);

/* XML (JUnit) and HTML text or attribute value to f. */
void esc_xml(FILE *f, const char *s);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there
 * are not one (overlong, a surrogate, beyond U+10FFFF, cut short). */
size_t utf8_seq_len(const unsigned char *s);

#endif
