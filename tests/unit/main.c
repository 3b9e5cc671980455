/* SPDX-License-Identifier: MIT */
/* main.c - runs every unit-test suite; Check prints the summary line.
 * CK_RUN_SUITE / CK_RUN_CASE select one suite or test case. */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(socks4_suite());
	srunner_add_suite(sr, ident_suite());
	srunner_add_suite(sr, net_suite());
	srunner_add_suite(sr, relay_suite());
	srunner_add_suite(sr, lib_paths_suite());
	srunner_add_suite(sr, rules_suite());
	srunner_add_suite(sr, identd_suite());
	srunner_add_suite(sr, supervisor_suite());
	srunner_add_suite(sr, crashsig_suite());
	srunner_add_suite(sr, escape_suite());
	srunner_add_suite(sr, resolve_bound_suite());
	srunner_add_suite(sr, selfloop_suite());
	srunner_add_suite(sr, dns_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
