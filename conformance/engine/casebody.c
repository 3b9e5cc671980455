/* SPDX-License-Identifier: MIT */
/* casebody.c - one run of one case's body (see casebody.h). */
#include "engine/casebody.h"
#include "target/instance.h"

enum verdict case_body(struct runner *r, const struct s4case *cs, struct result *res,
                       const struct instance *own, const char *skip_why, int *ran)
{
	struct ctx c;
	enum verdict v;
	ctx_init(&c, r, cs, res);
	if (own != NULL)
		ctx_aim(&c, own);
	*ran = skip_why == NULL;
	if (skip_why != NULL) {
		v = skip(&c, "%s", skip_why);
	} else {
		if (cs->expect != NULL)
			expect(&c, "%s", cs->expect);
		v = cs->run(&c);
		if (c.trouble && v == V_FAIL)
			v = V_SKIP; /* the runner's own side failed: Actual says so */
		if (v == V_FAIL && r->o.client_cmd == NULL && (cs->needs & NEED_4A) &&
		    names_case_inconclusive(&c))
			v = V_SKIP; /* the target's resolver, not the target (names.c) */
	}
	ctx_finish(&c);
	return v;
}

const char *case_missing_reason(const struct runner *r, unsigned missing)
{
	for (int bit = 0; bit < NEED_BITS; bit++)
		if (missing & (1u << bit))
			return r->lacks[bit][0] ? r->lacks[bit] : "capability missing";
	return "capability missing";
}
