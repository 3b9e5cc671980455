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
