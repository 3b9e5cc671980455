# conformance/: socks4-test, the conformance runner. It links the reference
# server's library to run it in-process when no --target is given.
CONFORMANCE_SRC = conformance/main.c conformance/options.c conformance/runner.c conformance/harness.c conformance/destination.c \
                  conformance/report.c conformance/requirements.c conformance/livefuzz.c \
                  conformance/schedule.c conformance/target.c conformance/instance.c conformance/death.c conformance/supervisor.c \
                  conformance/crashsig.c conformance/fuzzcrash.c \
                  conformance/baseline.c conformance/report_html.c conformance/escape.c \
                  conformance/crashdir.c conformance/reportfile.c conformance/interrupt.c \
                  conformance/lifeline.c \
                  conformance/dnsd.c conformance/names.c conformance/nsexec.c \
                  $(sort $(wildcard conformance/cases/*.c)) \
                  conformance/casebody.c \
                  conformance/clientmode.c conformance/clientrun.c conformance/proxy.c \
                  $(sort $(wildcard conformance/client-cases/*.c))
PROGRAM_NAMES += socks4-test
# '=' (not ':='): SERVER_LIB_SRC comes from ref-server/module.mk, read later.
socks4-test_SRC = $(CONFORMANCE_SRC) $(SERVER_LIB_SRC)

$(OBJ)/conformance/%.o $(ASAN)/conformance/%.o: CPPFLAGS += -Iconformance

# The target's process (--exec) and crash signatures have unit suites.
UNIT_SRC += tests/unit/test_supervisor.c conformance/supervisor.c conformance/lifeline.c \
            tests/unit/test_crashsig.c conformance/crashsig.c \
            tests/unit/test_escape.c conformance/escape.c
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
