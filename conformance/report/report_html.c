/* SPDX-License-Identifier: MIT */
/* report_html.c - the run as one self-contained HTML page: no network, no
 * external fonts or scripts, so it works from file:// and from a CI artifact
 * viewer.
 *
 * From the top: a summary card per target (per level, and NEW/KNOWN/FIXED
 * under a baseline); with several targets, the matrix of cases x targets
 * whose cells link to the cases; a toolbar (search on ids and titles, result,
 * level and area filters); then one collapsible block per case, whose id is
 * the case id (report.html#connect/granted links to it), holding the
 * requirements with their sentences and, per target, Expected, Actual and the
 * trace. Failing cases start open. Nothing is wider than the window: long
 * texts and trace lines wrap. Colours follow prefers-color-scheme; printing
 * opens every case. */
#include <string.h>
#include <time.h>

#include "report/baseline.h"
#include "report/report.h"

#define MAX_AREAS 32

static const char css[] =
        ":root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d2126;--muted:#5f6670;"
        "--card:#fff;--line:#dfe2e6;--code:#f2f3f5;--accent:#2557c7;"
        "--pass:#17803d;--pass-bg:#e3f4e8;--fail:#c0262d;--fail-bg:#fbe5e6;"
        "--skip:#8a5a00;--skip-bg:#fbf0d9;--info:#1f6f9f;--info-bg:#e1f0f8;"
        "--flaky:#7a3fb0;--flaky-bg:#f0e6fa}\n"
        "@media (prefers-color-scheme:dark){:root{--bg:#15181c;--fg:#e4e6e9;--muted:#9aa3ad;"
        "--card:#1d2127;--line:#323840;--code:#252a31;--accent:#7aa7ff;"
        "--pass:#5fd38a;--pass-bg:#173524;--fail:#ff7b80;--fail-bg:#44191c;"
        "--skip:#e7b75a;--skip-bg:#3a2c10;--info:#6cc3f0;--info-bg:#12303f;"
        "--flaky:#c99af5;--flaky-bg:#2f2140}}\n"
        "*{box-sizing:border-box}\n"
        "html{background:var(--bg);color:var(--fg)}\n"
        "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
        "padding:24px 32px 64px;max-width:1200px;overflow-wrap:anywhere}\n"
        "h1{font-size:24px;margin:0 0 4px}h2{font-size:16px;margin:0 0 8px}\n"
        ".meta,.muted{color:var(--muted)}.meta{margin:0 0 20px}\n"
        "code,pre,.id{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
        "font-size:13px}\n"
        "a{color:var(--accent)}\n"
        ":focus-visible{outline:2px solid var(--accent);outline-offset:2px}\n"
        ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:16px;"
        "margin-bottom:24px}\n"
        ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
        "padding:14px 16px;min-width:0}\n"
        ".card h2 .n{color:var(--muted);font-weight:normal;margin-right:6px}\n"
        ".totals{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 10px}\n"
        ".levels{border-collapse:collapse;width:100%;font-size:13px}\n"
        ".levels th,.levels td{padding:3px 8px;text-align:right;border-top:1px solid var(--line)}\n"
        ".levels th:first-child{text-align:left}.levels td.z{color:var(--muted)}\n"
        ".status{font-weight:600;margin:10px 0 0}.status.bad{color:var(--fail)}"
        ".status.good{color:var(--pass)}\n"
        ".pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;"
        "font-weight:600;white-space:nowrap;border:1px solid transparent}\n"
        ".v-pass{color:var(--pass);background:var(--pass-bg)}"
        ".v-fail{color:var(--fail);background:var(--fail-bg)}"
        ".v-skip{color:var(--skip);background:var(--skip-bg)}"
        ".v-info{color:var(--info);background:var(--info-bg)}"
        ".v-flaky{color:var(--flaky);background:var(--flaky-bg)}\n"
        ".m-new{color:#fff;background:var(--fail)}.m-known{color:var(--muted);"
        "border-color:var(--line)}.m-fixed{color:#fff;background:var(--pass)}"
        ".m-flaky{color:#fff;background:var(--flaky)}\n"
        ".toolbar{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:8px 12px;"
        "align-items:center;background:var(--bg);padding:10px 0;border-bottom:1px solid "
        "var(--line);margin-bottom:12px}\n"
        ".toolbar input[type=search]{flex:1 1 260px;min-width:0;font:inherit;padding:6px 10px;"
        "border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}\n"
        ".toolbar select,.toolbar button{font:inherit;padding:5px 8px;border:1px solid "
        "var(--line);border-radius:6px;background:var(--card);color:var(--fg)}\n"
        ".toolbar button{cursor:pointer}\n"
        "#shown{color:var(--muted);font-size:13px;margin-left:auto}\n"
        ".matrix-wrap{margin-bottom:24px}\n"
        ".matrix{border-collapse:collapse;width:100%;font-size:13px;table-layout:fixed}\n"
        ".matrix th,.matrix td{border-bottom:1px solid var(--line);padding:2px 6px;"
        "text-align:left}\n"
        ".matrix td{text-align:center}.matrix td a{display:block;text-decoration:none;"
        "border-radius:4px}\n"
        ".matrix .idcol{width:36%}.matrix .areacol{width:8%}.matrix thead th{font-weight:600;"
        "overflow:hidden;text-overflow:ellipsis;white-space:nowrap}\n"
        ".legend{font-size:13px;color:var(--muted);margin:6px 0 0;padding-left:20px}\n"
        ".case{background:var(--card);border:1px solid var(--line);border-radius:8px;"
        "margin:6px 0;min-width:0}\n"
        ".case>summary{position:relative;display:grid;grid-template-columns:var(--badges,110px) "
        "minmax(0,2fr) 58px minmax(0,3fr) 64px;gap:10px;align-items:baseline;"
        "padding:7px 12px 7px 28px;cursor:pointer;list-style:none}\n"
        ".case>summary::-webkit-details-marker{display:none}\n"
        ".case>summary::before{content:'\\25B8';position:absolute;left:11px;top:8px;"
        "color:var(--muted);font-size:13px}\n"
        ".case[open]>summary::before{content:'\\25BE'}\n"
        ".case>summary:hover{background:var(--code)}\n"
        ".badges{display:flex;flex-wrap:wrap;gap:4px 8px}.tb{white-space:nowrap}\n"
        ".lvl{font-size:12px;color:var(--muted);font-weight:600}\n"
        ".case .ms{font-size:12px;color:var(--muted);text-align:right;white-space:nowrap}\n"
        ".case .body{padding:4px 16px 12px;border-top:1px solid var(--line)}\n"
        ".reqs{margin:8px 0;padding:0;list-style:none;font-size:14px}\n"
        ".reqs li{margin:2px 0}.reqs b{font-family:ui-monospace,monospace;font-size:12px;"
        "margin-right:6px}\n"
        ".anchor{font-size:12px;margin-left:4px}\n"
        ".result{border-left:3px solid var(--line);padding:2px 0 2px 12px;margin:10px 0}\n"
        ".result.fail{border-color:var(--fail)}.result.pass{border-color:var(--pass)}"
        ".result.skip{border-color:var(--skip)}.result.info{border-color:var(--info)}"
        ".result.flaky{border-color:var(--flaky)}\n"
        ".result h3{font-size:14px;margin:0 0 4px;display:flex;gap:8px;align-items:baseline;"
        "flex-wrap:wrap}\n"
        ".result dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:2px 12px;margin:4px 0;"
        "font-size:14px}\n"
        ".result dt{color:var(--muted)}.result dd{margin:0}\n"
        ".result details>summary{cursor:pointer;color:var(--accent);font-size:13px}\n"
        "pre{background:var(--code);padding:8px 10px;border-radius:6px;margin:6px 0 0;"
        "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all;line-height:1.35}\n"
        ".empty{color:var(--muted);padding:16px;text-align:center}\n"
        "[hidden]{display:none!important}\n"
        "@media (max-width:760px){body{padding:12px}.case>summary{grid-template-columns:1fr}}\n"
        "@media print{body{max-width:none;padding:0;font-size:11px}.toolbar,.anchor{display:none}"
        ".case,.card{break-inside:avoid;border-color:#999}"
        "pre{white-space:pre-wrap}}\n";

/* Filters and search (the data-* attributes of each case and matrix row),
 * "/" to search, and hash links that open (and if filtered out, show) the
 * case they name. */
static const char js[] =
        "(function(){'use strict';\n"
        "var cases=[].slice.call(document.querySelectorAll('.case'));\n"
        "var rows={};[].forEach.call(document.querySelectorAll('.matrix tbody tr'),"
        "function(r){rows[r.dataset.id]=r;});\n"
        "var q=document.getElementById('q'),show=document.getElementById('show'),"
        "level=document.getElementById('level'),area=document.getElementById('area'),"
        "shown=document.getElementById('shown'),none=document.getElementById('none');\n"
        "function has(list,w){return (' '+list+' ').indexOf(' '+w+' ')>=0;}\n"
        "function visible(c){var d=c.dataset,s=q.value.trim().toLowerCase();\n"
        " if(s&&d.id.toLowerCase().indexOf(s)<0&&d.title.toLowerCase().indexOf(s)<0)return false;\n"
        " if(level.value&&d.level!==level.value)return false;\n"
        " if(area.value&&d.area!==area.value)return false;\n"
        " var w=show.value;if(!w)return true;\n"
        " if(w==='differs')return d.differs==='1';\n"
        " return has(d.v,w)||has(d.m,w);}\n"
        "function apply(){var n=0;cases.forEach(function(c){var ok=visible(c);c.hidden=!ok;"
        "if(rows[c.id])rows[c.id].hidden=!ok;if(ok)n++;});\n"
        " shown.textContent=n+' of '+cases.length+' cases shown';none.hidden=n>0;}\n"
        "[q,show,level,area].forEach(function(e){e.addEventListener('input',apply);"
        "e.addEventListener('change',apply);});\n"
        "document.getElementById('reset').addEventListener('click',function(){q.value='';"
        "show.value='';level.value='';area.value='';apply();q.focus();});\n"
        "document.addEventListener('keydown',function(e){if(e.key==='/'&&document.activeElement"
        "!==q&&!/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)){"
        "e.preventDefault();q.focus();}else if(e.key==='Escape'&&document.activeElement===q)"
        "{q.value='';apply();}});\n"
        "function reveal(){var id=decodeURIComponent(location.hash.slice(1));"
        "var c=id&&document.getElementById(id);if(!c||!c.classList.contains('case'))return;\n"
        " if(c.hidden){q.value='';show.value='';level.value='';area.value='';apply();}\n"
        " c.open=true;c.scrollIntoView();c.querySelector('summary').focus({preventScroll:true});}\n"
        "window.addEventListener('hashchange',reveal);\n"
        "var opened=[];window.addEventListener('beforeprint',function(){"
        "[].forEach.call(document.querySelectorAll('details:not([open])'),function(d){"
        "opened.push(d);d.open=true;});});\n"
        "window.addEventListener('afterprint',function(){opened.forEach(function(d){"
        "d.open=false;});opened=[];});\n"
        "apply();reveal();})();\n";

/* The area of a case id: what comes before its first '/'. */
static void area_of(const char *id, char *out, size_t cap)
{
	size_t n = strcspn(id, "/");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), id);
}

static void pill(FILE *f, const char *cls, const char *text)
{
	fprintf(f, "<span class=\"pill %s\">%s</span>", cls, text);
}

static void verdict_pill(FILE *f, int v)
{
	char cls[16];
	snprintf(cls, sizeof(cls), "v-%s", verdict_lower(v));
	pill(f, cls, verdict_str(v));
}

/* NEW / KNOWN / FIXED (baseline), FLAKY (--repeat). */
static void mark_pill(FILE *f, const struct runner *r, size_t i)
{
	enum bl_mark m = baseline_mark(r, i);
	if (m != BL_NONE) {
		char cls[16];
		snprintf(cls, sizeof(cls), "m-%s", bl_mark_lower(m));
		fprintf(f, " ");
		pill(f, cls, bl_mark_str(m));
	}
}

static void count_cell(FILE *f, int n)
{
	fprintf(f, "<td%s>%d</td>", n ? "" : " class=\"z\"", n);
}

static void cards(FILE *f, struct runner *const *runs, size_t nruns)
{
	fprintf(f, "<section class=\"cards\" aria-label=\"Summary per target\">\n");
	for (size_t t = 0; t < nruns; t++) {
		const struct runner *r = runs[t];
		struct counts k;
		count_results(r, &k);
		fprintf(f, "<div class=\"card\"><h2>");
		if (nruns > 1)
			fprintf(f, "<span class=\"n\">%zu</span>", t + 1);
		xml_str(f, r->target_text);
		fprintf(f, "</h2><div class=\"totals\">");
		char text[64];
		snprintf(text, sizeof(text), "%d passed", k.passed);
		pill(f, "v-pass", text);
		snprintf(text, sizeof(text), "%d failed", k.failed);
		pill(f, k.failed ? "v-fail" : "m-known", text);
		snprintf(text, sizeof(text), "%d skipped", k.skipped);
		pill(f, "v-skip", text);
		if (k.info) {
			snprintf(text, sizeof(text), "%d info", k.info);
			pill(f, "v-info", text);
		}
		fprintf(f, "</div>\n<table class=\"levels\"><tr><th>level</th><th>passed</th>"
		           "<th>failed</th><th>skipped</th></tr>\n");
		for (int lv = 0; lv < 3; lv++) {
			fprintf(f, "<tr><th>%s</th>", level_str(lv));
			count_cell(f, k.level_passed[lv]);
			count_cell(f, k.level_failed[lv]);
			count_cell(f, k.level_skipped[lv]);
			fprintf(f, "</tr>\n");
		}
		fprintf(f, "</table>\n");
		if (r->o.baseline != NULL) {
			struct bl_counts b;
			baseline_count(r, &b);
			fprintf(f, "<p class=\"muted\">baseline <code>");
			xml_str(f, r->o.baseline->path);
			fprintf(f, "</code>: %d new, %d known, %d fixed</p>\n", b.new_, b.known,
			        b.fixed);
		}
		if (r->death[0] != '\0') {
			fprintf(f, "<p class=\"status bad\">The target died: ");
			xml_str(f, r->death);
			fprintf(f, "</p>\n");
		}
		int bad = run_failed(r);
		fprintf(f, "<p class=\"status %s\">%s%s</p></div>\n", bad ? "bad" : "good",
		        bad ? "Fails the run" : "Passes", r->o.strict ? " (--strict)" : "");
	}
	fprintf(f, "</section>\n");
}

static size_t areas(const struct runner *r, char out[][32], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ncases; i++) {
		char a[32];
		area_of(r->cases[i]->id, a, sizeof(a));
		size_t k = 0;
		while (k < n && strcmp(out[k], a) != 0)
			k++;
		if (k == n && n < max)
			memcpy(out[n++], a, sizeof(a));
	}
	return n;
}

static void toolbar(FILE *f, struct runner *const *runs, size_t nruns)
{
	int baseline = runs[0]->o.baseline != NULL, flaky = 0;
	for (size_t t = 0; t < nruns; t++)
		for (size_t i = 0; i < runs[t]->ncases; i++)
			flaky |= runs[t]->results[i].v == V_FLAKY;
	fprintf(f, "<nav class=\"toolbar\" role=\"search\" aria-label=\"Filter the cases\">\n"
	           "<input type=\"search\" id=\"q\" placeholder=\"Search case ids and titles "
	           "(press /)\" aria-label=\"Search case ids and titles\" autocomplete=\"off\">\n"
	           "<select id=\"show\" aria-label=\"Results\"><option value=\"\">All results"
	           "</option><option value=\"fail\">Failed only</option>");
	if (baseline)
		fprintf(f, "<option value=\"new\">New failures</option><option value=\"known\">"
		           "Known failures</option><option value=\"fixed\">Fixed</option>");
	if (flaky)
		fprintf(f, "<option value=\"flaky\">Flaky</option>");
	fprintf(f, "<option value=\"skip\">Skipped</option><option value=\"info\">"
	           "Informational</option>");
	if (nruns > 1)
		fprintf(f, "<option value=\"differs\">Differs between targets</option>");
	fprintf(f, "</select>\n<select id=\"level\" aria-label=\"Level\"><option value=\"\">"
	           "All levels</option>");
	for (int lv = 0; lv < 3; lv++)
		fprintf(f, "<option>%s</option>", level_str(lv));
	fprintf(f, "</select>\n<select id=\"area\" aria-label=\"Area\"><option value=\"\">"
	           "All areas</option>");
	char names[MAX_AREAS][32];
	size_t n = areas(runs[0], names, MAX_AREAS);
	for (size_t a = 0; a < n; a++) {
		fprintf(f, "<option>");
		xml_str(f, names[a]);
		fprintf(f, "</option>");
	}
	fprintf(f, "</select>\n<button type=\"button\" id=\"reset\">Reset</button>"
	           "<span id=\"shown\" role=\"status\"></span>\n</nav>\n");
}

static void matrix_html(FILE *f, struct runner *const *runs, size_t nruns)
{
	fprintf(f, "<section class=\"matrix-wrap\" aria-label=\"Cases by target\">"
	           "<h2>Cases by target</h2>\n<table class=\"matrix\"><thead><tr>"
	           "<th class=\"idcol\" scope=\"col\">case</th><th class=\"areacol\" "
	           "scope=\"col\">level</th>");
	for (size_t t = 0; t < nruns; t++) {
		fprintf(f, "<th scope=\"col\" title=\"");
		xml_str(f, runs[t]->target_text);
		fprintf(f, "\">%zu <span class=\"muted\">", t + 1);
		xml_str(f, runs[t]->target_text);
		fprintf(f, "</span></th>");
	}
	fprintf(f, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < runs[0]->ncases; i++) {
		const struct s4case *cs = runs[0]->cases[i];
		fprintf(f, "<tr data-id=\"");
		xml_str(f, cs->id);
		fprintf(f, "\"><th scope=\"row\"><a class=\"id\" href=\"#");
		xml_str(f, cs->id);
		fprintf(f, "\">");
		xml_str(f, cs->id);
		fprintf(f, "</a></th><td class=\"lvl\">%s</td>", level_str(cs->level));
		for (size_t t = 0; t < nruns; t++) {
			int v = (int)runs[t]->results[i].v;
			enum bl_mark m = baseline_mark(runs[t], i);
			fprintf(f, "<td><a class=\"pill v-%s\" href=\"#", verdict_lower(v));
			xml_str(f, cs->id);
			fprintf(f, "\" title=\"%zu: %s%s%s\">%s%s%s</a></td>", t + 1, verdict_str(v),
			        m ? ", " : "", bl_mark_str(m), verdict_str(v), m ? " " : "",
			        m ? bl_mark_str(m) : "");
		}
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</tbody></table>\n<ol class=\"legend\">");
	for (size_t t = 0; t < nruns; t++) {
		fprintf(f, "<li>");
		xml_str(f, runs[t]->target_text);
		fprintf(f, "</li>");
	}
	fprintf(f, "</ol></section>\n");
}

static void result_html(FILE *f, const struct runner *r, size_t i, size_t t, size_t nruns)
{
	const struct result *res = &r->results[i];
	fprintf(f, "<section class=\"result %s\"><h3>", verdict_lower((int)res->v));
	verdict_pill(f, (int)res->v);
	mark_pill(f, r, i);
	if (nruns > 1) {
		fprintf(f, " <span>%zu: ", t + 1);
		xml_str(f, r->target_text);
		fprintf(f, "</span>");
	}
	fprintf(f, " <span class=\"muted\">%lld ms</span></h3>\n<dl><dt>Expected</dt><dd>",
	        (long long)res->duration_ms);
	xml_str(f, res->expected);
	fprintf(f, "</dd><dt>Actual</dt><dd>");
	xml_str(f, res->actual);
	fprintf(f, "</dd>");
	/* What killed the target, as the JSON report carries it. */
	if (res->target_exit[0] != '\0') {
		fprintf(f, "<dt>Target</dt><dd class=\"target-exit\">");
		xml_str(f, res->target_exit);
		fprintf(f, "</dd>");
	}
	if (res->reproducer[0] != '\0') {
		fprintf(f, "<dt>Reproducer</dt><dd class=\"reproducer\"><code>");
		xml_str(f, res->reproducer);
		fprintf(f, "</code>");
		if (res->replay[0] != '\0') {
			fprintf(f, "<br><code>");
			xml_str(f, res->replay);
			fprintf(f, "</code>");
		}
		fprintf(f, "</dd>");
	}
	fprintf(f, "</dl>\n");
	if (res->target_log != NULL && res->target_log[0] != '\0') {
		fprintf(f, "<details class=\"target-log\"><summary>What the target printed</summary>"
		           "<pre>");
		xml_str(f, res->target_log);
		fprintf(f, "</pre></details>\n");
	}
	fprintf(f, "<details%s><summary>Trace: %zu events</summary><pre>",
	        is_failure((int)res->v) ? " open" : "", res->ntrace + res->dropped);
	char line[400];
	for (size_t e = 0; e < res->ntrace; e++) {
		trace_line(&res->trace[e], line, sizeof(line));
		xml_str(f, line);
		fputc('\n', f);
	}
	if (res->dropped)
		fprintf(f, "(%zu more events not kept)\n", res->dropped);
	fprintf(f, "</pre></details></section>\n");
}

static void case_html(FILE *f, struct runner *const *runs, size_t nruns, size_t i)
{
	const struct s4case *cs = runs[0]->cases[i];
	char area[32], verdicts[64] = "", marks[64] = "";
	area_of(cs->id, area, sizeof(area));
	int any_fail = 0, differs = 0;
	int64_t ms = 0;
	for (size_t t = 0; t < nruns; t++) {
		const struct result *res = &runs[t]->results[i];
		size_t n = strlen(verdicts), m = strlen(marks);
		snprintf(verdicts + n, sizeof(verdicts) - n, "%s%s", n ? " " : "",
		         verdict_lower((int)res->v));
		enum bl_mark mk = baseline_mark(runs[t], i);
		if (mk != BL_NONE)
			snprintf(marks + m, sizeof(marks) - m, "%s%s", m ? " " : "", bl_mark_lower(mk));
		any_fail |= res->v == V_FAIL || res->v == V_FLAKY;
		differs |= res->v != runs[0]->results[i].v;
		if (res->duration_ms > ms)
			ms = res->duration_ms;
	}
	fprintf(f, "<details class=\"case\" id=\"");
	xml_str(f, cs->id);
	fprintf(f, "\" data-id=\"");
	xml_str(f, cs->id);
	fprintf(f, "\" data-title=\"");
	xml_str(f, cs->title);
	fprintf(f, "\" data-level=\"%s\" data-area=\"", level_str(cs->level));
	xml_str(f, area);
	fprintf(f, "\" data-v=\"%s\" data-m=\"%s\" data-differs=\"%d\"%s>\n<summary>"
	           "<span class=\"badges\">",
	        verdicts, marks, differs, any_fail ? " open" : "");
	for (size_t t = 0; t < nruns; t++) {
		fprintf(f, "<span class=\"tb\">");
		verdict_pill(f, (int)runs[t]->results[i].v);
		mark_pill(f, runs[t], i);
		fprintf(f, "</span>");
	}
	fprintf(f, "</span><span class=\"id\">");
	xml_str(f, cs->id);
	fprintf(f, "</span><span class=\"lvl\">%s</span><span>", level_str(cs->level));
	xml_str(f, cs->title);
	fprintf(f, "</span><span class=\"ms\">%lld ms</span></summary>\n<div class=\"body\">"
	           "<ul class=\"reqs\">",
	        (long long)ms);
	char buf[256];
	const char *ids[MAX_REQS];
	size_t nids = split_reqs(cs->reqs, buf, sizeof(buf), ids, MAX_REQS);
	for (size_t q = 0; q < nids; q++) {
		const char *text = requirement_text(ids[q]);
		fprintf(f, "<li><b>");
		xml_str(f, ids[q]);
		fprintf(f, "</b>");
		xml_str(f, text != NULL ? text : "");
		fprintf(f, "</li>");
	}
	fprintf(f, "</ul><a class=\"anchor\" href=\"#");
	xml_str(f, cs->id);
	fprintf(f, "\">link to this case</a>\n");
	for (size_t t = 0; t < nruns; t++)
		result_html(f, runs[t], i, t, nruns);
	fprintf(f, "</div></details>\n");
}

/* The width of the summary's first column: each target's verdict, and its
 * mark when some run has marks, side by side (they wrap beyond four). */
static int badges_width(struct runner *const *runs, size_t nruns)
{
	int marks = 0;
	for (size_t t = 0; t < nruns; t++)
		for (size_t i = 0; i < runs[t]->ncases; i++)
			marks |= baseline_mark(runs[t], i) != BL_NONE;
	size_t per_row = nruns < 4 ? nruns : 4;
	return (int)per_row * (marks ? 124 : 60);
}

void html_report(FILE *f, struct runner *const *runs, size_t nruns)
{
	struct counts all = {0};
	for (size_t t = 0; t < nruns; t++) {
		struct counts k;
		count_results(runs[t], &k);
		all.passed += k.passed;
		all.failed += k.failed;
		all.skipped += k.skipped;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	           "<meta name=\"color-scheme\" content=\"light dark\">\n<title>socks4-test: "
	           "%d failed, %d passed, %d skipped</title>\n<style>\n%s</style></head>\n"
	           "<body style=\"--badges:%dpx\">\n",
	        all.failed, all.passed, all.skipped, css, badges_width(runs, nruns));

	char when[64] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	fprintf(f, "<header><h1>socks4-test report</h1><p class=\"meta\">%zu cases against %zu "
	           "target%s, %s, socks4-test " S4KIT_VERSION ". Each case's link is this page followed by #its-id.</p>"
	           "</header>\n",
	        runs[0]->ncases, nruns, nruns > 1 ? "s" : "", when);
	cards(f, runs, nruns);
	toolbar(f, runs, nruns);
	if (nruns > 1)
		matrix_html(f, runs, nruns);
	fprintf(f, "<main id=\"cases\">\n");
	for (size_t i = 0; i < runs[0]->ncases; i++)
		case_html(f, runs, nruns, i);
	fprintf(f, "<p id=\"none\" class=\"empty\" hidden>No case matches the filters.</p>\n"
	           "</main>\n<script>\n%s</script>\n</body></html>\n",
	        js);
}
