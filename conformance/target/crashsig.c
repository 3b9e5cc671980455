/* SPDX-License-Identifier: MIT */
/* crashsig.c - crash signatures (see crashsig.h). Works line by line on
 * whatever the target printed; nothing here trusts that text to be
 * well-formed: every copy is bounded by the output buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "target/crashsig.h"
#include "core/escape.h"

#define LINE_MAX_SEEN 512 /* longer lines are looked at in their first 511 bytes */

/* snprintf for text that may well not fit: cutting it short is intended. */
__attribute__((format(printf, 3, 4))) static void put(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* Copies the line starting at p (without its newline) into buf; returns
 * the start of the next line, or NULL at the end. */
static const char *line_at(const char *p, char *buf, size_t cap)
{
	size_t n = strcspn(p, "\n");
	size_t k = n < cap - 1 ? n : cap - 1;
	memcpy(buf, p, k);
	buf[k] = '\0';
	return p[n] == '\n' ? p + n + 1 : NULL;
}

/* Frames in a sanitizer runtime, the C library or the compiler's headers are
 * not the program's own. */
static int own_code(const char *loc)
{
	static const char *const not_own[] = {"libsanitizer", "compiler-rt", "sanitizer_common",
	                                      "sysdeps/",     "nptl/",       "/usr/include/",
	                                      "/usr/lib/",    "libc.so",     "libc-"};
	if (loc[0] == '(' || loc[0] == '\0')
		return 0; /* "(module+0xoffset)": no source line */
	for (size_t i = 0; i < sizeof(not_own) / sizeof(not_own[0]); i++)
		if (strstr(loc, not_own[i]) != NULL)
			return 0;
	return 1;
}

/* "ERROR: AddressSanitizer: heap-buffer-overflow on ...", then the frames. */
static int sanitizer(const char *line, const char *rest, char *out, size_t cap)
{
	const char *e = strstr(line, "ERROR: ");
	const char *san = e != NULL ? strstr(e, "Sanitizer: ") : NULL;
	if (san == NULL)
		return 0;
	const char *tool = e + 7;
	int tool_len = (int)(san + 9 - tool);
	const char *kind = san + 11;
	const char *end = strstr(kind, " on ");
	int kind_len = end != NULL ? (int)(end - kind) : (int)strlen(kind);
	char l[LINE_MAX_SEEN], func[160], loc[200];
	int frames = 0;
	while (rest != NULL) {
		rest = line_at(rest, l, sizeof(l));
		if (l[0] == '\0' && frames > 0)
			break; /* the end of the first stack: later ones say where memory came from */
		const char *hash = strstr(l, "#");
		if (hash == NULL || strstr(hash, " in ") == NULL)
			continue;
		frames++;
		if (sscanf(strstr(hash, " in ") + 4, "%159s %199s", func, loc) == 2 && own_code(loc)) {
			put(out, cap, "%.*s: %.*s in %s %s", tool_len, tool, kind_len, kind, func,
			         loc);
			return 1;
		}
	}
	put(out, cap, "%.*s: %.*s", tool_len, tool, kind_len, kind);
	return 1;
}

/* "session.c:12:5: runtime error: signed integer overflow: ..." */
static int ubsan(const char *line, char *out, size_t cap)
{
	const char *m = strstr(line, ": runtime error: ");
	if (m == NULL)
		return 0;
	put(out, cap, "UndefinedBehaviorSanitizer: runtime error at %.*s", (int)(m - line), line);
	return 1;
}

/* "Traceback (most recent call last):", frames, then "Type: message". */
static int python(const char *line, const char *rest, char *out, size_t cap)
{
	if (strncmp(line, "Traceback (most recent call last):", 34) != 0)
		return 0;
	char l[LINE_MAX_SEEN], frame[340] = "", file[200], func[100];
	int lineno;
	while (rest != NULL) {
		rest = line_at(rest, l, sizeof(l));
		if (sscanf(l, "  File \"%199[^\"]\", line %d, in %99s", file, &lineno, func) == 3) {
			put(frame, sizeof(frame), "in %s (%s:%d)", func, file, lineno);
			continue;
		}
		if (l[0] != ' ' && l[0] != '\0') { /* the exception */
			size_t n = strcspn(l, ":");
			put(out, cap, "Python %.*s %s", (int)n, l, frame);
			return 1;
		}
	}
	put(out, cap, "Python traceback %s", frame);
	return 1;
}

/* "TypeError: message" followed by "    at FUNC (FILE:LINE:COL)". */
static int node(const char *line, const char *rest, char *out, size_t cap)
{
	size_t n = strcspn(line, ": ");
	if (n < 5 || (strncmp(line + n - 5, "Error", 5) != 0 &&
	              (n < 9 || strncmp(line + n - 9, "Exception", 9) != 0)))
		return 0;
	if (line[n] != ':' && line[n] != '\0')
		return 0;
	char l[LINE_MAX_SEEN];
	if (rest == NULL)
		return 0;
	line_at(rest, l, sizeof(l));
	const char *at = strstr(l, "    at ");
	if (at != l)
		return 0;
	put(out, cap, "Node %.*s at %s", (int)n, line, at + 7);
	return 1;
}

static const char *find_report(const char *output, char *sig, size_t cap)
{
	char l[LINE_MAX_SEEN];
	for (const char *p = output; p != NULL && *p != '\0';) {
		const char *next = line_at(p, l, sizeof(l));
		if (sanitizer(l, next, sig, cap) || ubsan(l, sig, cap) || python(l, next, sig, cap) ||
		    node(l, next, sig, cap))
			return p;
		p = next;
	}
	return NULL;
}

const char *crash_report(const char *output)
{
	char sig[256];
	return output != NULL ? find_report(output, sig, sizeof(sig)) : NULL;
}

size_t crash_signature(const char *how, const char *output, char *out, size_t cap)
{
	char report[400];
	if (output != NULL && find_report(output, report, sizeof(report)) != NULL)
		put(out, cap, "%s; %s", how, report);
	else
		put(out, cap, "%s", how);
	/* The report's words came from the target: terminal-safe, one line. */
	esc_term_inplace(out, cap);
	return strlen(out);
}
