/* SPDX-License-Identifier: MIT */
/* report.c - human, TAP, JUnit XML, JSON and HTML reports, and the matrix. */
#include "report/report.h"

#include <string.h>

#include "core/escape.h"
#include "report/baseline.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define MAGENTA "\033[35m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

int is_failure(int v)
{
	return v == V_FAIL || v == V_FLAKY;
}

const char *verdict_str(int v)
{
	static const char *const names[] = {"PASS", "FAIL", "SKIP", "INFO", "FLAKY"};
	return v >= 0 && v <= 4 ? names[v] : "?";
}

const char *verdict_lower(int v)
{
	static const char *const names[] = {"pass", "fail", "skip", "info", "flaky"};
	return v >= 0 && v <= 4 ? names[v] : "?";
}

const char *level_str(int level)
{
	static const char *const names[] = {"MUST", "SHOULD", "INFO"};
	return level >= 0 && level <= 2 ? names[level] : "?";
}

static const char *color_of(int v)
{
	switch (v) {
	case V_PASS:
		return GREEN;
	case V_FAIL:
		return RED;
	case V_SKIP:
		return YELLOW;
	case V_FLAKY:
		return MAGENTA;
	default:
		return CYAN;
	}
}

void count_results(const struct runner *r, struct counts *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < r->ncases; i++) {
		int lv = r->cases[i]->level;
		switch (r->results[i].v) {
		case V_PASS:
			k->passed++;
			k->level_passed[lv]++;
			break;
		case V_INFO:
			k->passed++; /* an observation is not a failure */
			k->info++;
			k->level_passed[lv]++;
			break;
		case V_FAIL:
			k->failed++;
			k->level_failed[lv]++;
			break;
		case V_SKIP:
			k->skipped++;
			k->level_skipped[lv]++;
			break;
		case V_FLAKY: /* failed in some runs: a failure, counted apart too */
			k->failed++;
			k->flaky++;
			k->level_failed[lv]++;
			break;
		}
	}
}

/* "+0.012 c1 > 04 01 00 50 ... (20 bytes)" */
void trace_line(const struct trace_ev *e, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "+%lld.%03lld %-4s %c ", (long long)(e->t_ms / 1000),
	                 (long long)(e->t_ms % 1000), e->who, e->dir);
	if (e->text[0] != '\0' || e->len == 0) {
		snprintf(buf + n, cap - (size_t)n, "%s", e->text);
	} else {
		size_t shown = e->len < TRACE_BYTES ? e->len : TRACE_BYTES;
		for (size_t i = 0; i < shown && (size_t)n + 4 < cap; i++)
			n += snprintf(buf + n, cap - (size_t)n, "%02x ", e->bytes[i]);
		if (e->len > 8 && (size_t)n < cap)
			snprintf(buf + n, cap - (size_t)n, "%s(%zu bytes)",
			         e->len > shown ? "... " : "", e->len);
	}
}


/* Every trace line of res, each escaped and wrapped as the format needs. */
static void write_trace(FILE *f, const struct result *res, void (*esc)(FILE *, const char *),
                        const char *before, const char *after, const char *between)
{
	char line[400];
	for (size_t t = 0; t < res->ntrace; t++) {
		trace_line(&res->trace[t], line, sizeof(line));
		fprintf(f, "%s%s", t ? between : "", before);
		esc(f, line);
		fputs(after, f);
	}
}

/* The requirement ids of a case ("S4-CONNECT-4 S4-REPLY-5"), split into ids[]
 * (pointing into buf). Returns how many. */
size_t split_reqs(const char *reqs, char *buf, size_t cap, const char **ids, size_t max)
{
	char *save = NULL;
	size_t n = 0;
	snprintf(buf, cap, "%s", reqs);
	for (char *id = strtok_r(buf, " ", &save); id != NULL && n < max;
	     id = strtok_r(NULL, " ", &save))
		ids[n++] = id;
	return n;
}

static void print_reqs(FILE *f, const char *reqs, const char *indent)
{
	char buf[256];
	const char *ids[MAX_REQS];
	size_t n = split_reqs(reqs, buf, sizeof(buf), ids, MAX_REQS);
	for (size_t i = 0; i < n; i++) {
		const char *text = requirement_text(ids[i]);
		fprintf(f, "%s%s: %s\n", indent, ids[i], text != NULL ? text : "");
	}
}

void human_header(FILE *f, const struct runner *r, int color)
{
	fprintf(f, "%ssocks4-test%s: target ", color ? BOLD : "", color ? RESET : "");
	esc_term(f, r->target_text);
	fprintf(f, ", destinations on ");
	fprintf(f, "%u.%u.%u.%u\n", r->dest_ip >> 24, (r->dest_ip >> 16) & 255,
	        (r->dest_ip >> 8) & 255, r->dest_ip & 255);
	static const char *const names[] = {
	        "4a",   "bind",       "identd", "identd-strict", "identd-lenient",
	        "deny", "alt-source", "timer",  "name"};
	if (r->names_note[0] != '\0')
		fprintf(f, "names: %s\n", r->names_note);
	if (r->exec_note[0] != '\0') {
		fprintf(f, "isolation: ");
		esc_term(f, r->exec_note); /* it may quote what the command printed */
		fprintf(f, "\n");
	}
	fprintf(f, "capabilities:");
	for (int b = 0; b < 9; b++)
		if (r->have & (1u << b))
			fprintf(f, " %s", names[b]);
	fprintf(f, "\n\n");
}

void human_case(FILE *f, const struct runner *r, size_t i, int color, int verbose)
{
	const struct s4case *cs = r->cases[i];
	const struct result *res = &r->results[i];
	fprintf(f, "  %s%-4s%s %-6s %-34s %s", color ? color_of((int)res->v) : "",
	        verdict_str((int)res->v), color ? RESET : "", level_str(cs->level), cs->id,
	        cs->title);
	if (res->v == V_SKIP || res->v == V_INFO) {
		fprintf(f, "%s  (", color ? DIM : "");
		esc_term(f, res->actual);
		fprintf(f, ")%s", color ? RESET : "");
	}
	enum bl_mark m = baseline_mark(r, i);
	if (m != BL_NONE)
		fprintf(f, "  %s[%s]%s", color ? BOLD : "", bl_mark_str(m), color ? RESET : "");
	fprintf(f, "\n");
	if (!is_failure(res->v) && !verbose)
		return;
	print_reqs(f, cs->reqs, "        ");
	fprintf(f, "        Expected: ");
	esc_term(f, res->expected);
	fprintf(f, "\n        Actual:   ");
	esc_term(f, res->actual);
	fprintf(f, "\n");
	if (res->target_exit[0] != '\0') {
		fprintf(f, "        Target:   ");
		esc_term(f, res->target_exit);
		fprintf(f, "\n");
	}
	if (res->reproducer[0] != '\0') {
		fprintf(f, "        Reproducer: ");
		esc_term(f, res->reproducer);
		fprintf(f, "\n          ");
		esc_term(f, res->replay);
		fprintf(f, "\n");
	}
	if (res->target_log != NULL && res->target_log[0] != '\0') {
		fprintf(f, "        The target printed:\n");
		const char *p = res->target_log;
		char line[1024];
		while (*p != '\0') {
			const char *nl = strchr(p, '\n');
			size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
			/* a long line is cut at what one screen line can say */
			fprintf(f, "          | %s\n", esc_term_buf(line, sizeof(line), p, len));
			p += len + (nl != NULL);
		}
	}
	fprintf(f, "        Trace:\n");
	write_trace(f, res, esc_term, "          ", "\n", "");
	if (res->dropped)
		fprintf(f, "          (%zu more events not kept)\n", res->dropped);
}

/* -v: where the time went, by area: the cases' own durations summed, and the
 * part that ran with nothing beside it (hostile cases against a target the
 * runner does not own, or every case against a target serving one client at
 * a time): that part adds up in wall time. */
static void area_times(FILE *f, const struct runner *r)
{
	fprintf(f, "time by area (case durations summed; \"alone\": ran with nothing beside it):\n");
	for (size_t i = 0; i < r->ncases;) {
		const char *id = r->cases[i]->id;
		size_t alen = strcspn(id, "/"), n = 0;
		int64_t sum = 0, alone = 0;
		for (; i < r->ncases && strncmp(r->cases[i]->id, id, alen) == 0 &&
		       (r->cases[i]->id[alen] == '/' || r->cases[i]->id[alen] == '\0');
		     i++, n++) {
			sum += r->results[i].duration_ms;
			if (schedule_ran_alone(r, i))
				alone += r->results[i].duration_ms;
		}
		fprintf(f, "  %-10.*s %3zu cases %6.1f s", (int)alen, id, n, (double)sum / 1000.0);
		if (alone >= 50)
			fprintf(f, ", %.1f s alone", (double)alone / 1000.0);
		fprintf(f, "\n");
	}
}

int run_failed(const struct runner *r)
{
	if (r->death[0] != '\0')
		return 1; /* the target died and no culprit was confirmed */
	for (size_t i = 0; i < r->ncases; i++) {
		const struct result *res = &r->results[i];
		if (is_failure(res->v) && (r->cases[i]->level == LEVEL_MUST || r->o.strict) &&
		    baseline_mark(r, i) != BL_KNOWN)
			return 1;
	}
	return 0;
}

void human_summary(FILE *f, const struct runner *r, int color, int64_t elapsed_ms)
{
	struct counts k;
	count_results(r, &k);
	fprintf(f, "\n%zu cases in %.1f s\n", r->ncases, (double)elapsed_ms / 1000.0);
	if (r->o.verbose && r->results != NULL)
		area_times(f, r);
	for (int lv = 0; lv < 3; lv++)
		fprintf(f, "%-6s %3d passed, %3d failed, %3d skipped\n", level_str(lv),
		        k.level_passed[lv], k.level_failed[lv], k.level_skipped[lv]);
	if (k.info)
		fprintf(f, "(%d of the passed are informational observations)\n", k.info);
	int inconclusive = 0;
	for (size_t i = 0; i < r->ncases && r->results != NULL; i++)
		inconclusive += r->results[i].v == V_SKIP &&
		                strncmp(r->results[i].actual, "inconclusive:", 13) == 0;
	if (inconclusive)
		fprintf(f, "(%d of the skipped are inconclusive: a SOCKS4a name this host could not "
		           "look up in time either)\n",
		        inconclusive);
	if (k.flaky)
		fprintf(f, "(%d of the failed are FLAKY: they failed in some runs of --repeat and "
		           "passed in others)\n",
		        k.flaky);
	if (r->death[0] != '\0') {
		fprintf(f, "%sTARGET DIED%s: ", color ? RED : "", color ? RESET : "");
		esc_term(f, r->death);
		fprintf(f, "\n");
	}
	if (r->o.baseline != NULL)
		baseline_summary(f, r);
	fprintf(f, "%s%d passed, %d failed, %d skipped%s\n", color ? (k.failed ? RED : GREEN) : "",
	        k.passed, k.failed, k.skipped, color ? RESET : "");
}

/* ---- escaping ------------------------------------------------------------- */

/* The rules themselves are in escape.c, one per output kind. */
static void json_str(FILE *f, const char *s)
{
	esc_json(f, s);
}

void xml_str(FILE *f, const char *s)
{
	esc_xml(f, s);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_run(FILE *f, const struct runner *r)
{
	struct counts k;
	count_results(r, &k);
	fprintf(f, "{\n  \"version\": \"" S4KIT_VERSION "\",\n  \"target\": ");
	json_str(f, r->target_text);
	fprintf(f,
	        ",\n  \"summary\": {\"passed\": %d, \"failed\": %d, \"skipped\": %d, "
	        "\"info\": %d, \"levels\": {",
	        k.passed, k.failed, k.skipped, k.info);
	for (int lv = 0; lv < 3; lv++)
		fprintf(f, "%s\"%s\": {\"passed\": %d, \"failed\": %d, \"skipped\": %d}",
		        lv ? ", " : "", level_str(lv), k.level_passed[lv], k.level_failed[lv],
		        k.level_skipped[lv]);
	fprintf(f, "}");
	if (r->o.baseline != NULL) {
		struct bl_counts b;
		baseline_count(r, &b);
		fprintf(f, ", \"baseline\": {\"file\": ");
		json_str(f, r->o.baseline->path);
		fprintf(f, ", \"new\": %d, \"known\": %d, \"fixed\": %d}", b.new_, b.known,
		        b.fixed);
	}
	fprintf(f, "},\n  \"target_died\": ");
	if (r->death[0] != '\0')
		json_str(f, r->death);
	else
		fprintf(f, "null");
	fprintf(f, ",\n  \"cases\": [\n");
	for (size_t i = 0; i < r->ncases; i++) {
		const struct s4case *cs = r->cases[i];
		const struct result *res = &r->results[i];
		fprintf(f, "    {\"id\": ");
		json_str(f, cs->id);
		fprintf(f, ", \"level\": \"%s\", \"title\": ", level_str(cs->level));
		json_str(f, cs->title);
		fprintf(f, ", \"requirements\": [");
		char buf[256];
		const char *ids[MAX_REQS];
		size_t nids = split_reqs(cs->reqs, buf, sizeof(buf), ids, MAX_REQS);
		for (size_t q = 0; q < nids; q++) {
			fprintf(f, "%s", q ? ", " : "");
			json_str(f, ids[q]);
		}
		fprintf(f, "], \"result\": \"%s\", \"expected\": ", verdict_lower((int)res->v));
		json_str(f, res->expected);
		fprintf(f, ", \"actual\": ");
		json_str(f, res->actual);
		enum bl_mark m = baseline_mark(r, i);
		if (m != BL_NONE)
			fprintf(f, ", \"baseline\": \"%s\"", bl_mark_lower(m));
		fprintf(f, ", \"duration_ms\": %lld", (long long)res->duration_ms);
		if (res->runs > 0)
			fprintf(f, ", \"runs\": %d, \"failures\": %d", res->runs, res->failures);
		fprintf(f, ", \"target_exit\": ");
		if (res->target_exit[0] == '\0') {
			fprintf(f, "null");
		} else {
			fprintf(f, "{\"text\": ");
			json_str(f, res->target_exit);
			fprintf(f, ", \"status\": %d, \"signal\": %d}", res->exit_code,
			        res->exit_signal);
		}
		fprintf(f, ", \"target_log\": ");
		json_str(f, res->target_log != NULL ? res->target_log : "");
		fprintf(f, ", \"reproducer\": ");
		if (res->reproducer[0] == '\0')
			fprintf(f, "null");
		else
			json_str(f, res->reproducer);
		fprintf(f, ", \"replay\": ");
		json_str(f, res->replay);
		fprintf(f, ", \"trace\": [");
		write_trace(f, res, json_str, "", "", ", ");
		fprintf(f, "]}%s\n", i + 1 < r->ncases ? "," : "");
	}
	fprintf(f, "  ]\n}");
}

/* ---- TAP ------------------------------------------------------------------- */

static void tap_run(FILE *f, const struct runner *r)
{
	int died = r->death[0] != '\0';
	fprintf(f, "TAP version 13\n1..%zu\n# target ", r->ncases + (size_t)died);
	esc_term(f, r->target_text);
	fprintf(f, "\n");
	for (size_t i = 0; i < r->ncases; i++) {
		const struct s4case *cs = r->cases[i];
		const struct result *res = &r->results[i];
		/* A SHOULD failure is reported as not ok with a TODO directive: visible,
		 * but not a failure of the run unless --strict (mirrors the exit code). */
		fprintf(f, "%s %zu - %s [%s] %s", is_failure(res->v) ? "not ok" : "ok", i + 1, cs->id,
		        level_str(cs->level), cs->title);
		enum bl_mark m = baseline_mark(r, i);
		if (res->v == V_SKIP) {
			fprintf(f, " # SKIP ");
			esc_term(f, res->actual);
		}
		else if (m == BL_KNOWN)
			fprintf(f, " # TODO known failure (baseline)");
		else if (is_failure(res->v) && cs->level != LEVEL_MUST && !r->o.strict)
			fprintf(f, " # TODO %s level", level_str(cs->level));
		fprintf(f, "\n");
		if (is_failure(res->v)) {
			fprintf(f, "  ---\n  requirements: %s\n", cs->reqs);
			if (res->v == V_FLAKY)
				fprintf(f, "  flaky: true\n  runs: %d\n  failures: %d\n", res->runs,
				        res->failures);
			if (res->target_exit[0] != '\0') {
				fprintf(f, "  target_exit: ");
				json_str(f, res->target_exit);
				fprintf(f, "\n  reproducer: ");
				json_str(f, res->reproducer);
				fprintf(f, "\n  target_log: ");
				json_str(f, res->target_log != NULL ? res->target_log : "");
				fprintf(f, "\n");
			}
			fprintf(f, "  expected: ");
			json_str(f, res->expected);
			fprintf(f, "\n  actual: ");
			json_str(f, res->actual);
			fprintf(f, "\n  trace:\n");
			write_trace(f, res, json_str, "    - ", "\n", "");
			fprintf(f, "  ...\n");
		}
		if (m == BL_FIXED)
			fprintf(f, "# FIXED: %s is listed in the baseline and passes now\n", cs->id);
	}
	if (died) {
		fprintf(f, "not ok %zu - target/died the target stopped serving\n  ---\n  actual: ",
		        r->ncases + 1);
		json_str(f, r->death);
		fprintf(f, "\n  ...\n");
	}
}

/* ---- JUnit ----------------------------------------------------------------- */

static void junit_run(FILE *f, const struct runner *r)
{
	struct counts k;
	count_results(r, &k);
	struct bl_counts b;
	baseline_count(r, &b);
	fprintf(f, "  <testsuite name=\"");
	xml_str(f, r->target_text);
	/* Known failures (baseline) are skipped tests with the reason, not failures. */
	int died = r->death[0] != '\0';
	fprintf(f, "\" tests=\"%zu\" failures=\"%d\" skipped=\"%d\">\n", r->ncases + (size_t)died,
	        k.failed - b.known + died, k.skipped + b.known);
	fprintf(f, "    <properties><property name=\"socks4kit.version\" value=\"" S4KIT_VERSION
	           "\"/></properties>\n");
	for (size_t i = 0; i < r->ncases; i++) {
		const struct s4case *cs = r->cases[i];
		const struct result *res = &r->results[i];
		char area[64];
		snprintf(area, sizeof(area), "%s", cs->id);
		char *slash = strchr(area, '/');
		if (slash != NULL)
			*slash = '\0';
		fprintf(f, "    <testcase classname=\"%s\" name=\"", area);
		xml_str(f, cs->id);
		fprintf(f, "\" time=\"%.3f\">", (double)res->duration_ms / 1000.0);
		enum bl_mark m = baseline_mark(r, i);
		if (m == BL_KNOWN) {
			fprintf(f, "<skipped message=\"known failure (baseline)\"/><system-out>");
			xml_str(f, res->actual);
			fprintf(f, "</system-out>");
		} else if (res->v == V_SKIP) {
			fprintf(f, "<skipped message=\"");
			xml_str(f, res->actual);
			fprintf(f, "\"/>");
		} else if (is_failure(res->v)) {
			fprintf(f, "<failure type=\"%s%s\" message=\"%s", level_str(cs->level),
			        res->v == V_FLAKY ? " FLAKY" : "", m == BL_NEW ? "NEW: " : "");
			xml_str(f, res->actual);
			fprintf(f, "\">");
			fprintf(f, "Requirements: ");
			xml_str(f, cs->reqs);
			fprintf(f, "\nExpected: ");
			xml_str(f, res->expected);
			fprintf(f, "\nActual: ");
			xml_str(f, res->actual);
			fprintf(f, "\n");
			write_trace(f, res, xml_str, "", "\n", "");
			if (res->target_exit[0] != '\0') {
				fprintf(f, "Target: ");
				xml_str(f, res->target_exit);
				fprintf(f, "\nReproducer: ");
				xml_str(f, res->reproducer);
				fprintf(f, "\n");
			}
			fprintf(f, "</failure>");
			if (res->target_log != NULL && res->target_log[0] != '\0') {
				fprintf(f, "<system-err>");
				xml_str(f, res->target_log);
				fprintf(f, "</system-err>");
			}
		} else if (m == BL_FIXED || res->v == V_INFO || res->v == V_FLAKY) {
			fprintf(f, "<system-out>%s",
			        m == BL_FIXED ? "FIXED: listed in the baseline, passes now. "
			        : res->v == V_FLAKY ? "FLAKY: "
			                            : "");
			xml_str(f, res->actual);
			fprintf(f, "</system-out>");
		}
		fprintf(f, "</testcase>\n");
	}
	if (r->death[0] != '\0') {
		fprintf(f, "    <testcase classname=\"target\" name=\"target/died\" time=\"0\">"
		           "<failure type=\"MUST\" message=\"");
		xml_str(f, r->death);
		fprintf(f, "\"/></testcase>\n");
	}
	fprintf(f, "  </testsuite>\n");
}

void report_write(FILE *f, enum format fmt, struct runner *const *runs, size_t nruns)
{
	switch (fmt) {
	case FMT_JSON:
		if (nruns == 1) {
			json_run(f, runs[0]);
			fprintf(f, "\n");
			break;
		}
		fprintf(f, "[\n");
		for (size_t i = 0; i < nruns; i++) {
			json_run(f, runs[i]);
			fprintf(f, "%s\n", i + 1 < nruns ? "," : "");
		}
		fprintf(f, "]\n");
		break;
	case FMT_TAP:
		for (size_t i = 0; i < nruns; i++)
			tap_run(f, runs[i]);
		break;
	case FMT_JUNIT:
		fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
		           "name=\"socks4-test\">\n");
		for (size_t i = 0; i < nruns; i++)
			junit_run(f, runs[i]);
		fprintf(f, "</testsuites>\n");
		break;
	case FMT_HTML:
		html_report(f, runs, nruns);
		break;
	case FMT_HUMAN:
		for (size_t i = 0; i < nruns; i++) {
			human_header(f, runs[i], 0);
			for (size_t c = 0; c < runs[i]->ncases; c++)
				human_case(f, runs[i], c, 0, 0);
			human_summary(f, runs[i], 0, runs[i]->elapsed_ms);
		}
		break;
	}
}

void matrix(FILE *f, struct runner *const *runs, size_t nruns, int color)
{
	fprintf(f, "\n%-36s", "case");
	for (size_t t = 0; t < nruns; t++)
		fprintf(f, " %-8zu", t + 1);
	fprintf(f, "\n");
	for (size_t i = 0; i < runs[0]->ncases; i++) {
		fprintf(f, "%-36s", runs[0]->cases[i]->id);
		for (size_t t = 0; t < nruns; t++) {
			int v = (int)runs[t]->results[i].v;
			fprintf(f, " %s%-8s%s", color ? color_of(v) : "", verdict_str(v),
			        color ? RESET : "");
		}
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
	struct counts all = {0};
	for (size_t t = 0; t < nruns; t++) {
		struct counts k;
		count_results(runs[t], &k);
		fprintf(f, "%zu: %s: %d passed, %d failed, %d skipped\n", t + 1,
		        runs[t]->target_text, k.passed, k.failed, k.skipped);
		all.passed += k.passed;
		all.failed += k.failed;
		all.skipped += k.skipped;
	}
	fprintf(f, "%s%d passed, %d failed, %d skipped%s\n",
	        color ? (all.failed ? RED : GREEN) : "", all.passed, all.failed, all.skipped,
	        color ? RESET : "");
}
