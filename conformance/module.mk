# conformance/: socks4-test, the conformance runner. It links the reference
# server's library to run it in-process when no --target is given.
CONFORMANCE_SRC = conformance/main.c conformance/runner.c conformance/harness.c \
                  conformance/report.c conformance/requirements.c conformance/livefuzz.c \
                  conformance/supervisor.c conformance/crashsig.c conformance/fuzzcrash.c \
                  $(sort $(wildcard conformance/cases/*.c))
PROGRAM_NAMES += socks4-test
# '=' (not ':='): SERVER_LIB_SRC comes from ref-server/module.mk, read later.
socks4-test_SRC = $(CONFORMANCE_SRC) $(SERVER_LIB_SRC)

$(OBJ)/conformance/%.o $(ASAN)/conformance/%.o: CPPFLAGS += -Iconformance

# The target's process (--exec) and crash signatures have unit suites.
UNIT_SRC += tests/unit/test_supervisor.c conformance/supervisor.c \
            tests/unit/test_crashsig.c conformance/crashsig.c
$(ASAN)/tests/unit/test_supervisor.o $(ASAN)/tests/unit/test_crashsig.o: CPPFLAGS += -Iconformance

# The main job: the whole suite against the built-in reference server.
demo: $(BUILD)/socks4-test
	$(BUILD)/socks4-test

# docs/cases.md is the catalogue as published: regenerate it after changing a case.
.PHONY: docs
docs: $(BUILD)/socks4-test
	bash docs/gen-cases.sh $(BUILD)/socks4-test
