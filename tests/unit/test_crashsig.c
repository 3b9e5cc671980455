/* SPDX-License-Identifier: MIT */
/* test_crashsig.c - crash signatures from what a dying target printed. */
#include <check.h>
#include <string.h>

#include "suites.h"
#include "target/crashsig.h"

static const char asan_report[] =
        "socks4-server: listening on 127.0.0.1:44919\n"
        "=================================================================\n"
        "==326==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000015 at pc "
        "0x56539972bc4e bp 0x7f3dfcbfb4a0 sp 0x7f3dfcbfb498\n"
        "READ of size 1 at 0x602000000015 thread T3\n"
        "    #0 0x7f3dff6b89cf in __interceptor_memcpy "
        "../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:827\n"
        "    #1 0x56539972bc4d in test_hook_crash ref-server/session.c:508\n"
        "    #2 0x56539972bc4d in session_serve ref-server/session.c:530\n"
        "    #3 0x7f3dfeca71f4 in start_thread nptl/pthread_create.c:442\n"
        "\n"
        "allocated by thread T3 here:\n"
        "    #0 0x7f3dff6b89cf in __interceptor_malloc "
        "../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69\n"
        "    #1 0x56539972bbb9 in other_function ref-server/session.c:504\n"
        "\n"
        "SUMMARY: AddressSanitizer: heap-buffer-overflow ref-server/session.c:508 in "
        "test_hook_crash\n";

static const char asan_no_own_frame[] =
        "==9==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x7f pc)\n"
        "    #0 0x7f3dff6b89cf in __strlen_avx2 (/lib/x86_64-linux-gnu/libc.so.6+0x15c9cd)\n"
        "\n"
        "    #1 0x1 in main src/x.c:1\n";

static const char ubsan_report[] =
        "lib/socks4.c:120:17: runtime error: signed integer overflow: 2147483647 + 1 cannot be "
        "represented in type 'int'\n"
        "    #0 0x55 in s4_parse_request lib/socks4.c:120\n";

static const char python_report[] = "broken-server: listening on 127.0.0.1:1\n"
                                    "Traceback (most recent call last):\n"
                                    "  File \"/srv/a.py\", line 10, in <module>\n"
                                    "    main()\n"
                                    "  File \"/srv/a.py\", line 7, in parse\n"
                                    "    raise ValueError(\"bad byte 0x%02x\" % b)\n"
                                    "ValueError: bad byte 0x41\n";

static const char node_report[] = "/srv/index.js:12\n"
                                  "    buf.readUInt8(9)\n"
                                  "\n"
                                  "RangeError [ERR_OUT_OF_RANGE]: The value is out of range.\n"
                                  "TypeError: Cannot read properties of undefined\n"
                                  "    at parse (/srv/index.js:12:9)\n"
                                  "    at Socket.<anonymous> (/srv/index.js:30:5)\n";

static const struct {
	const char *how, *output, *want;
} rows[] = {
        {"killed by signal 6 (SIGABRT)", asan_report,
         "killed by signal 6 (SIGABRT); AddressSanitizer: heap-buffer-overflow in "
         "test_hook_crash ref-server/session.c:508"},
        {"exited with status 1", asan_no_own_frame,
         "exited with status 1; AddressSanitizer: SEGV"},
        {"exited with status 1", ubsan_report,
         "exited with status 1; UndefinedBehaviorSanitizer: runtime error at "
         "lib/socks4.c:120:17"},
        {"exited with status 1", python_report,
         "exited with status 1; Python ValueError in parse (/srv/a.py:7)"},
        {"exited with status 1", node_report,
         "exited with status 1; Node TypeError at parse (/srv/index.js:12:9)"},
        {"killed by signal 11 (SIGSEGV)", "just a log line\nand another\n",
         "killed by signal 11 (SIGSEGV)"},
        {"killed by signal 9 (SIGKILL)", NULL, "killed by signal 9 (SIGKILL)"},
        {"exited with status 1", "Traceback (most recent call last):\n  File \"x",
         "exited with status 1; Python traceback "},
};

START_TEST(signatures)
{
	char sig[512];
	size_t n = crash_signature(rows[_i].how, rows[_i].output, sig, sizeof(sig));
	ck_assert_str_eq(sig, rows[_i].want);
	ck_assert_uint_eq(n, strlen(rows[_i].want));
}
END_TEST

START_TEST(report_start_and_bounds)
{
	const char *r = crash_report(asan_report);
	ck_assert(r != NULL && strncmp(r, "==326==ERROR", 12) == 0);
	ck_assert(crash_report("nothing to see\n") == NULL);
	ck_assert(crash_report(NULL) == NULL);
	char small[24];
	crash_signature("killed by signal 6 (SIGABRT)", asan_report, small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

Suite *crashsig_suite(void)
{
	Suite *s = suite_create("crashsig");
	TCase *tc = tcase_create("signatures");
	tcase_add_loop_test(tc, signatures, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, report_start_and_bounds);
	suite_add_tcase(s, tc);
	return s;
}
