# SPDX-License-Identifier: MIT
# ref-server/: socks4-server, the reference SOCKS4/4a server.
SERVER_LIB_SRC := ref-server/server.c ref-server/session.c ref-server/rules.c ref-server/identd.c \
                  ref-server/selfloop.c
PROGRAM_NAMES += socks4-server
socks4-server_SRC := ref-server/main.c $(SERVER_LIB_SRC)
UNIT_SRC += tests/unit/test_rules.c tests/unit/test_identd.c ref-server/rules.c ref-server/identd.c \
            tests/unit/test_resolve_bound.c tests/unit/test_selfloop.c ref-server/selfloop.c
# The sanitizer build (the one the tests run) has the test hooks compiled in:
# session.c's crash on a chosen USERID (SOCKS4KIT_TEST_CRASH_USERID). Never
# the release build.
$(ASAN)/ref-server/%.o: CPPFLAGS += -DSOCKS4KIT_TEST_HOOKS

# socks4-server for coverage-guided fuzzing (socks4-test --fuzz --coverage,
# docs/coverage-fuzzing.md): built with AFL++'s afl-clang-fast, with laf-intel's
# comparison splitting (AFL_LLVM_LAF_ALL=1: multi-byte comparisons, switches and
# string compares become one edge per byte), no sanitizer (AFLSRV_CFLAGS adds one).
AFLSRV_OUT    := $(BUILD)/afl
AFLSRV_CFLAGS ?= -g -O1
$(AFLSRV_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	AFL_LLVM_LAF_ALL=1 AFL_QUIET=1 $(AFL_CC) $(CSTD) $(CPPFLAGS) $(AFLSRV_CFLAGS) $(WARN) \
		-MMD -MP -c $< -o $@
$(AFLSRV_OUT)/socks4-server: $(patsubst %.c,$(AFLSRV_OUT)/obj/%.o,$(socks4-server_SRC) $(LIB_SRC))
	AFL_QUIET=1 $(AFL_CC) $(AFLSRV_CFLAGS) $^ -o $@ $(LDLIBS)
.PHONY: afl-server
afl-server: $(AFLSRV_OUT)/socks4-server
