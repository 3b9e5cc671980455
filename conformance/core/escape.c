/* SPDX-License-Identifier: MIT */
/* escape.c - the escaping rules of socks4-test's outputs (see escape.h). */
#include "core/escape.h"

#include <stdio.h>
#include <string.h>

size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0; /* a continuation byte, 0xc0/0xc1 (overlong) or beyond */
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* cut short (the NUL ends it too) */
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* ---- terminal --------------------------------------------------------------- */

char *esc_term_buf(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	if (cap == 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char one[5];
		size_t k;
		if (c >= 0x20 && c <= 0x7e) {
			one[0] = (char)c;
			k = 1;
		} else {
			snprintf(one, sizeof(one), "\\x%02x", c);
			k = 4;
		}
		if (o + k + 1 > cap)
			break;
		memcpy(out + o, one, k);
		o += k;
	}
	out[o] = '\0';
	return out;
}

void esc_term(FILE *f, const char *s)
{
	char buf[1024];
	size_t n = strlen(s);
	/* In slices: each slice's escapes fit buf (4 bytes per input byte). */
	for (size_t i = 0; i < n; i += 255) {
		size_t k = n - i < 255 ? n - i : 255;
		fputs(esc_term_buf(buf, sizeof(buf), s + i, k), f);
	}
}

void esc_term_inplace(char *s, size_t cap)
{
	char tmp[4096];
	size_t n = strnlen(s, cap);
	if (cap > sizeof(tmp))
		cap = sizeof(tmp);
	esc_term_buf(tmp, cap, s, n);
	memcpy(s, tmp, strlen(tmp) + 1);
}

/* ---- JSON --------------------------------------------------------------------- */

void esc_json(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			fputc(c, f);
			s++;
		} else {
			size_t n = utf8_seq_len(s);
			if (n == 0) {
				fputs("\\ufffd", f);
				s++;
			} else {
				fwrite(s, 1, n, f);
				s += n;
			}
		}
	}
	fputc('"', f);
}

/* ---- XML and HTML ------------------------------------------------------------- */

void esc_xml(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned char c = *s;
		switch (c) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if (c == '\n' || c == '\t' || c == '\r' || (c >= 0x20 && c < 0x7f)) {
				fputc(c, f);
			} else if (c < 0x80) {
				fprintf(f, "\\x%02x", c);
			} else {
				size_t n = utf8_seq_len(s);
				if (n == 0) {
					fputs("&#xFFFD;", f);
				} else if (n == 3 && s[0] == 0xef && s[1] == 0xbf &&
				           (s[2] == 0xbe || s[2] == 0xbf)) {
					fprintf(f, "\\x%02x\\x%02x\\x%02x", s[0], s[1], s[2]);
					s += n;
					continue;
				} else {
					fwrite(s, 1, n, f);
					s += n;
					continue;
				}
			}
		}
		s++;
	}
}
