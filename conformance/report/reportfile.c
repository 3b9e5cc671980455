/* SPDX-License-Identifier: MIT */
/* reportfile.c - reports to files, every write checked (see reportfile.h). */
#include "report/reportfile.h"

#include <errno.h>
#include <string.h>

/* One report to f (already open as path); 0, or -1 with the cause printed. */
static int finish(FILE *f, const char *path, int close_it, FILE *errf)
{
	int err = 0;
	if (ferror(f))
		err = errno != 0 ? errno : EIO;
	if (fflush(f) != 0 && err == 0)
		err = errno != 0 ? errno : EIO;
	if (close_it && fclose(f) != 0 && err == 0)
		err = errno != 0 ? errno : EIO;
	if (err == 0)
		return 0;
	fprintf(errf, "socks4-test: %s: cannot write the report: %s\n", path, strerror(err));
	return -1;
}

static int write_one(enum format fmt, const char *path, struct runner *const *runs, size_t n,
                     FILE *errf)
{
	FILE *f = path != NULL ? fopen(path, "w") : stdout;
	if (f == NULL) {
		fprintf(errf, "socks4-test: %s: %s\n", path, strerror(errno));
		return -1;
	}
	errno = 0;
	report_write(f, fmt, runs, n);
	return finish(f, path != NULL ? path : "(standard output)", path != NULL, errf);
}

int report_plan_write(const struct report_plan *plan, struct runner *const *runs, size_t n,
                      FILE *errf)
{
	int rc = 0;
	if (n == 0)
		return 0;
	if (plan->main_report && write_one(plan->fmt, plan->output, runs, n, errf) < 0)
		rc = -1;
	for (size_t i = 0; i < plan->nreports; i++) {
		const char *path = strchr(plan->reports[i], ':') + 1;
		if (write_one(plan->format_of(plan->reports[i]), path, runs, n, errf) < 0)
			rc = -1;
	}
	return rc;
}
