/* SPDX-License-Identifier: MIT */
/* suites.h - every Check suite of the unit tests; main.c runs them all. */
#ifndef SOCKS4KIT_TEST_SUITES_H
#define SOCKS4KIT_TEST_SUITES_H

#include <check.h>

Suite *socks4_suite(void);
Suite *ident_suite(void);
Suite *net_suite(void);
Suite *relay_suite(void);
Suite *lib_paths_suite(void);
Suite *rules_suite(void);
Suite *identd_suite(void);
Suite *supervisor_suite(void);
Suite *crashsig_suite(void);
Suite *escape_suite(void);
Suite *resolve_bound_suite(void);
Suite *selfloop_suite(void);
Suite *dns_suite(void);

#endif
