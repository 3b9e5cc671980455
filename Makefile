# SPDX-License-Identifier: MIT
# socks4kit - the one entry point. `make help` lists the targets.
#
#   make all          release binaries in build/ (gcc by default; make CC=clang all)
#   make demo         the conformance suite against the built-in reference server
#   make check        install test dependencies, then every test under ASan/UBSan
#   make unit         the Check unit tests only
#   make integration  the pytest integration tests only (tests/integration)
#   make browser-check  the browser rows of the client matrix (Chromium; minutes)
#   make fuzz-smoke   every fuzz target under libFuzzer for a short budget, and the AFL++ build
#   make bench        throughput, handshake rate, memory, the suite's time: ratios, never pass/fail
#   make afl-server   socks4-server built with afl-clang-fast and laf-intel, for --fuzz --coverage
#   make coverage-check  the long coverage-guided fuzzing test (five seeds, about 6 minutes)
#   make coverage-bench  edges reached in the same time, --coverage against blind fuzzing
#   make deb-check    the Debian packages built, lintian, installed, used, removed
#   make dist         build/socks4kit-VERSION.tar.gz of the tracked files
#   make distcheck    that tarball unpacked, built (gcc, clang), tested, installed, removed
#   make repro-check  two builds in two folders give the same bytes (binaries and .debs)
#   make install      PREFIX=/usr/local DESTDIR= (LIBDIR=PREFIX/lib INCLUDEDIR=PREFIX/include)
#   make clean

CC      ?= cc
.DEFAULT_GOAL := all
PREFIX  ?= /usr/local
DESTDIR ?=
PYTHON  ?= /usr/bin/python3

CSTD     = -std=c11
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wno-format-nonliteral
CPPFLAGS += -D_GNU_SOURCE -Ilib -Iref-server
# The version has one home, the file VERSION (release/module.mk: what follows from it).
VERSION  := $(shell cat VERSION)
CPPFLAGS += -DS4KIT_VERSION='"$(VERSION)"'
CFLAGS  ?= -O2 -g
LDLIBS  += -pthread -lm
SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV  = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

BUILD   := build
# Objects are kept per compiler, so `make CC=clang all` after a gcc build
# really compiles everything again (and relinks the binaries).
CCNAME  := $(notdir $(firstword $(CC)))
OBJ     := $(BUILD)/obj/$(CCNAME)
ASAN    := $(BUILD)/asan/$(CCNAME)

objs     = $(patsubst %.c,$(OBJ)/%.o,$(1))
asanobjs = $(patsubst %.c,$(ASAN)/%.o,$(1))

LIB_SRC := lib/socks4.c lib/ident.c lib/net.c lib/relay.c lib/dns.c

# Each component describes itself in <dir>/module.mk: its sources, its
# binary (added to PROGRAMS, and its sanitized twin to ASAN_PROGRAMS), unit
# test sources (UNIT_SRC), and test targets (CHECK_TARGETS).
PROGRAMS      :=
ASAN_PROGRAMS :=
UNIT_SRC      := tests/unit/main.c tests/unit/guard.c tests/unit/test_socks4.c \
                 tests/unit/test_ident.c tests/unit/test_net.c tests/unit/test_relay.c tests/unit/test_lib_paths.c \
                 tests/unit/test_dns.c
CHECK_TARGETS := unit integration
include $(sort $(wildcard */module.mk))

# The compiler of the last release link: a binary built by another compiler (make
# CC=clang all, then make all) is linked again, not left in build/ as it was.
CCSTAMP := $(BUILD)/.cc
$(shell mkdir -p $(BUILD); [ "$$(cat $(CCSTAMP) 2>/dev/null)" = "$(CCNAME)" ] || echo $(CCNAME) > $(CCSTAMP))

# A program: $(call program,NAME,SOURCES) makes build/NAME and its ASan twin.
define program
$(BUILD)/$(1): $(call objs,$(2) $(LIB_SRC)) $(CCSTAMP)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) $$(filter-out $(CCSTAMP),$$^) -o $$@ $$(LDLIBS)
$(ASAN)/$(1): $(call asanobjs,$(2) $(LIB_SRC))
	$$(CC) $$(SAN) $$(LDFLAGS) $$^ -o $$@ $$(LDLIBS)
PROGRAMS += $(BUILD)/$(1)
ASAN_PROGRAMS += $(ASAN)/$(1)
endef
$(foreach p,$(PROGRAM_NAMES),$(eval $(call program,$(p),$($(p)_SRC))))

.PHONY: all demo check deps unit integration install uninstall uninstall-lib clean help
all: $(PROGRAMS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(ASAN)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -MMD -MP -c $< -o $@

# --- unit tests (Check) ---------------------------------------------------
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
# Test tables leave trailing row fields to their zero default.
$(ASAN)/tests/%.o: CPPFLAGS += $(CHECK_CFLAGS)
$(ASAN)/tests/%.o: WARN += -Wno-missing-field-initializers

$(ASAN)/unit-tests: $(call asanobjs,$(UNIT_SRC) $(LIB_SRC))
	$(CC) $(SAN) $^ -o $@ $(CHECK_LIBS) $(LDLIBS)

# Check prints its summary line ("100%: Checks: N, Failures: 0, Errors: 0").
unit: $(ASAN)/unit-tests
	$(SAN_ENV) $(ASAN)/unit-tests

# --- integration tests (pytest) -------------------------------------------
# The sanitized binaries are the ones under test; S4KIT_BIN tells conftest.py.
# PYTEST_ARGS narrows a run: make integration PYTEST_ARGS='tests/integration/test_server.py -x'
# PYTEST_JOBS pytest-xdist workers run tests side by side (most of a test's time is
# waiting on a peer); tests marked @pytest.mark.long start first. PYTEST_JOBS=0: one process.
PYTEST_ARGS ?= tests/integration
PYTEST_JOBS ?= 4
# The browser rows (a browser needs seconds per case) are not in it: browser-check.
BROWSER_TESTS = tests/integration/test_client_chromium.py
integration: $(ASAN_PROGRAMS)
	S4KIT_BIN=$(abspath $(ASAN)) $(SAN_ENV) $(PYTHON) -m pytest -q --timeout=300 --durations=15 \
		-n $(PYTEST_JOBS) --dist loadgroup --ignore=$(BROWSER_TESTS) $(PYTEST_ARGS)

.PHONY: browser-check
browser-check: $(ASAN_PROGRAMS)
	S4KIT_BIN=$(abspath $(ASAN)) $(SAN_ENV) $(PYTHON) -m pytest -q --timeout=2700 --durations=5 $(BROWSER_TESTS)

deps:
	bash ci/deps.sh

# `make check` installs what the tests need, then runs every test target.
check: deps
	$(MAKE) --no-print-directory $(CHECK_TARGETS)

install: all install-lib
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	for p in $(PROGRAMS); do install -m 755 $$p $(DESTDIR)$(PREFIX)/bin/; done
	for m in $(wildcard man/*.1); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man1/; done
	for m in $(wildcard man/*.8); do install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man8/; done

uninstall: uninstall-lib
	for p in $(notdir $(PROGRAMS)); do rm -f $(DESTDIR)$(PREFIX)/bin/$$p; done
	for m in $(notdir $(wildcard man/*.1)); do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$m; done
	for m in $(notdir $(wildcard man/*.8)); do rm -f $(DESTDIR)$(PREFIX)/share/man/man8/$$m; done

clean:
	rm -rf $(BUILD)

help:
	@sed -n 's/^#   //p' Makefile

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
