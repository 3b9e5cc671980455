# SPDX-License-Identifier: MIT
# conformance/: socks4-test, the conformance runner. It links the reference
# server's library to run it in-process when no --target is given.
# One folder per job (see the README's layout): core/ what every job shares,
# target/ and engine/ and services/ below the jobs, then the jobs themselves:
# cases/ (the server catalogue), client/ (client mode), fuzz/ (live fuzzing),
# report/ (every output). main.c and options.c read the command line and hand
# it to one mode; interrupt.c stops everything on a signal.
CONFORMANCE_SRC = conformance/main.c conformance/options.c conformance/interrupt.c \
                  $(sort $(wildcard conformance/core/*.c conformance/target/*.c \
                                    conformance/engine/*.c conformance/services/*.c \
                                    conformance/cases/*.c conformance/client/*.c \
                                    conformance/client/cases/*.c conformance/fuzz/*.c \
                                    conformance/report/*.c))
PROGRAM_NAMES += socks4-test
# '=' (not ':='): SERVER_LIB_SRC comes from ref-server/module.mk, read later.
socks4-test_SRC = $(CONFORMANCE_SRC) $(SERVER_LIB_SRC)

$(OBJ)/conformance/%.o $(ASAN)/conformance/%.o: CPPFLAGS += -Iconformance

# The target's process (--exec) and crash signatures have unit suites.
UNIT_SRC += tests/unit/test_supervisor.c conformance/target/supervisor.c \
            conformance/target/lifeline.c \
            tests/unit/test_crashsig.c conformance/target/crashsig.c \
            tests/unit/test_escape.c conformance/core/escape.c
$(ASAN)/tests/unit/test_supervisor.o $(ASAN)/tests/unit/test_crashsig.o \
$(ASAN)/tests/unit/test_escape.o: CPPFLAGS += -Iconformance

# The main job: the whole suite against the built-in reference server.
demo: $(BUILD)/socks4-test
	$(BUILD)/socks4-test

# docs/cases.md is the catalogue as published: regenerate it after changing a case.
.PHONY: docs
docs: $(BUILD)/socks4-test
	bash docs/gen-cases.sh $(BUILD)/socks4-test

# The verdict-stability matrix of issue 10 (about 20 minutes): every variant of
# the proof, 5 runs each at -j 1 and -j 8, idle and with a CPU hog.
.PHONY: stability
stability: $(ASAN_PROGRAMS)
	S4KIT_BIN=$(abspath $(ASAN)) S4KIT_STABILITY_FULL=1 S4KIT_STABILITY_RUNS=5 $(SAN_ENV) \
		$(PYTHON) -m pytest -q --timeout=3600 tests/integration/test_stability.py
