# SPDX-License-Identifier: MIT
# fuzz/: a fuzz target per parser, the replay driver, and their builds.
#
#   make fuzz          libFuzzer binaries in $(BUILD)/fuzz/ (clang), laid out as OSS-Fuzz's $OUT
#   make fuzz-afl      AFL++ binaries in $(BUILD)/fuzz-afl/ (afl-clang-fast, AFL++'s libAFLDriver)
#   make fuzz-smoke    every target under libFuzzer for FUZZ_SMOKE_BUDGET seconds in all,
#                      then the AFL++ builds run their seeds (what .ci/run calls)
#   make fuzz-replay   the corpus through every target: normal compiler, ASan/UBSan (make check)
#   make coverage      line and branch coverage of lib/ from the unit tests and the corpus
#   make coverage-check  the long form of tests/integration/test_coverage_fuzz.py:
#                      socks4-test --fuzz --coverage finds the crash behind a 5-byte
#                      USERID check that blind fuzzing misses in as many inputs (five
#                      seeds, up to 40000 inputs each)
#   make coverage-bench  edges of socks4-server (make afl-server) reached in the same
#                      time with --coverage and blind (bench/coverage_bench.py)
#
# A target NAME is fuzz/fuzz_NAME.c (glue only), with its seeds in corpus/NAME/ and its
# libFuzzer options in fuzz/fuzz_NAME.options. It links fuzz/common.c and fuzz_NAME_SRC
# (default: $(LIB_SRC)); fuzz_NAME_DICT names its dictionary (default: corpus/socks4.dict)
# and fuzz_NAME_CPPFLAGS adds include paths for its own file. To add one, here (this file
# is read before ref-server/module.mk, so the variables must be set here):
#   FUZZ_TARGETS += rules
#   fuzz_rules_SRC := ref-server/rules.c $(LIB_SRC)
FUZZ_TARGETS := request reply ident_query ident_response rules session
# lib/dns.c: the runner's name service and socks4-server --resolver
FUZZ_TARGETS += dns
fuzz_dns_DICT := corpus/dns.dict
fuzz_ident_query_DICT := corpus/ident.dict
fuzz_ident_response_DICT := corpus/ident.dict
# The server's rules parser, and a whole server session (no network: hooks).
fuzz_rules_SRC := ref-server/rules.c ref-server/identd.c $(LIB_SRC)
fuzz_rules_DICT := corpus/rules.dict
fuzz_session_SRC := ref-server/server.c ref-server/session.c ref-server/rules.c \
                    ref-server/identd.c ref-server/selfloop.c $(LIB_SRC)

# libFuzzer build; fuzz/build.sh sets these from OSS-Fuzz's $CC, $CFLAGS, $LIB_FUZZING_ENGINE.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all -fsanitize=fuzzer-no-link
FUZZ_ENGINE ?= -fsanitize=fuzzer
FUZZ_WARN   ?= $(WARN)
# AFL++ build: with -fsanitize=fuzzer, afl-clang-fast links AFL++'s own libAFLDriver.
AFL_CC      ?= afl-clang-fast
AFL_CFLAGS  ?= -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all
# fuzz-smoke: seconds of fuzzing in all, shared by the targets (30 s each for four).
FUZZ_SMOKE_BUDGET ?= 120
# coverage: gcc and gcov, whatever CC is.
COV_CC      ?= gcc
GCOVR       ?= gcovr

FUZZ_OUT   := $(BUILD)/fuzz
FUZZ_OBJ   := $(BUILD)/fuzz/obj
AFL_OUT    := $(BUILD)/fuzz-afl
AFL_OBJ    := $(BUILD)/fuzz-afl/obj
REPLAY_OUT := $(ASAN)/fuzz-replay
COV_DIR    := $(BUILD)/coverage

fuzz_src  = fuzz/fuzz_$(1).c fuzz/common.c $(or $(fuzz_$(1)_SRC),$(LIB_SRC))
fuzz_dict = $(or $(fuzz_$(1)_DICT),corpus/socks4.dict)
fuzzobjs  = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))
aflobjs   = $(patsubst %.c,$(AFL_OBJ)/%.o,$(1))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_WARN) -MMD -MP -c $< -o $@

$(AFL_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	AFL_QUIET=1 $(AFL_CC) $(CSTD) $(CPPFLAGS) $(AFL_CFLAGS) $(FUZZ_WARN) -MMD -MP -c $< -o $@

# Per target: the libFuzzer binary with its .dict and .options beside it, the
# AFL++ binary, the replay binary, and its smoke run.
define fuzz_target
$(FUZZ_OBJ)/fuzz/fuzz_$(1).o $(AFL_OBJ)/fuzz/fuzz_$(1).o $(ASAN)/fuzz/fuzz_$(1).o: \
	CPPFLAGS += $(fuzz_$(1)_CPPFLAGS)
$(FUZZ_OUT)/fuzz_$(1): $(call fuzzobjs,$(call fuzz_src,$(1)))
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$^ $$(FUZZ_ENGINE) -o $$@ $$(LDLIBS)
$(FUZZ_OUT)/fuzz_$(1).dict: $(call fuzz_dict,$(1))
	@mkdir -p $$(dir $$@)
	cp $$< $$@
$(FUZZ_OUT)/fuzz_$(1).options: fuzz/fuzz_$(1).options
	@mkdir -p $$(dir $$@)
	cp $$< $$@
$(AFL_OUT)/fuzz_$(1): $(call aflobjs,$(call fuzz_src,$(1)))
	AFL_QUIET=1 $$(AFL_CC) $$(AFL_CFLAGS) $$^ -fsanitize=fuzzer -o $$@ $$(LDLIBS)
$(AFL_OUT)/fuzz_$(1).dict: $(call fuzz_dict,$(1))
	@mkdir -p $$(dir $$@)
	cp $$< $$@
$(REPLAY_OUT)/fuzz_$(1): $(call asanobjs,fuzz/replay.c $(call fuzz_src,$(1)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(SAN) $$^ -o $$@ $$(LDLIBS)

FUZZ_BINS   += $(FUZZ_OUT)/fuzz_$(1) $(FUZZ_OUT)/fuzz_$(1).dict $(FUZZ_OUT)/fuzz_$(1).options
AFL_BINS    += $(AFL_OUT)/fuzz_$(1) $(AFL_OUT)/fuzz_$(1).dict
REPLAY_BINS += $(REPLAY_OUT)/fuzz_$(1)

.PHONY: fuzz-smoke-$(1) fuzz-replay-$(1)
fuzz-smoke-$(1): $(FUZZ_OUT)/fuzz_$(1) $(FUZZ_OUT)/fuzz_$(1).dict $(FUZZ_OUT)/fuzz_$(1).options
	bash fuzz/smoke.sh $(FUZZ_OUT)/fuzz_$(1) corpus/$(1) \
		$$$$(( $(FUZZ_SMOKE_BUDGET) / $(words $(FUZZ_TARGETS)) )) $(BUILD)/fuzz-smoke/$(1)
fuzz-replay-$(1): $(REPLAY_OUT)/fuzz_$(1)
	$$(SAN_ENV) $(REPLAY_OUT)/fuzz_$(1) corpus/$(1)
endef
FUZZ_BINS   :=
AFL_BINS    :=
REPLAY_BINS :=
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz fuzz-afl fuzz-afl-check fuzz-smoke fuzz-replay coverage
fuzz: $(FUZZ_BINS)

fuzz-afl: $(AFL_BINS)
	@echo "fuzz-afl: built in $(AFL_OUT)/; run one on every core:" \
		"bash fuzz/afl-run.sh TARGET [SECONDS] $(BUILD)"

# The AFL++ builds run their seeds (through libAFLDriver, without afl-fuzz).
fuzz-afl-check: $(AFL_BINS)
	@for t in $(FUZZ_TARGETS); do \
		$(AFL_OUT)/fuzz_$$t corpus/$$t/* >/dev/null 2>$(AFL_OUT)/check-$$t.log || \
		{ cat $(AFL_OUT)/check-$$t.log; echo "fuzz-afl-check: fuzz_$$t FAILED"; exit 1; }; \
		echo "fuzz-afl-check: fuzz_$$t ran its $$(ls corpus/$$t | wc -l) seeds"; \
	done

fuzz-smoke: $(addprefix fuzz-smoke-,$(FUZZ_TARGETS)) fuzz-afl-check

fuzz-replay: $(addprefix fuzz-replay-,$(FUZZ_TARGETS))

CHECK_TARGETS += fuzz-replay

# Coverage: the unit tests and the corpus replay, rebuilt with gcc --coverage
# (the top Makefile's sanitized build, pointed at another directory), then
# gcovr on lib/. First each target's corpus alone: the share of lines run in
# the functions of its sources (fuzz/ aside) that it reaches at all.
COV_MAKE = $(MAKE) --no-print-directory CC=$(COV_CC) ASAN=$(COV_DIR) SAN='--coverage -O0' \
	   SAN_ENV=
COV_GCOVR = $(GCOVR) -r . --object-directory $(COV_DIR) --filter 'lib/'
COV_SERVER = $(GCOVR) -r . --object-directory $(COV_DIR) \
	     --filter 'ref-server/(session|rules|identd)\.c'
COV_REACH = awk -v t=$(1) '/^File /{f=""} /^Function /{f=$$2} \
	/^Lines executed:/ && f!="" {p=substr($$2,10)+0; if (p>0) {n++; l+=$$4; r+=p*$$4/100}} \
	END {printf "%-16s %5.1f%% of the %d lines in the %d functions it reaches\n", t, 100*r/l, l, n}'
define cov_corpus
	@find $(COV_DIR) -name '*.gcda' -delete
	@$(COV_DIR)/fuzz-replay/fuzz_$(1) corpus/$(1) >/dev/null
	@for s in $(filter-out fuzz/%,$(call fuzz_src,$(1))); do \
		gcov -f -n -o $(COV_DIR)/$$(dirname $$s) $$s; done | $(COV_REACH)

endef
coverage:
	$(COV_MAKE) $(addprefix $(COV_DIR)/fuzz-replay/fuzz_,$(FUZZ_TARGETS)) $(COV_DIR)/unit-tests
	@echo "== each target's corpus alone"
	$(foreach t,$(FUZZ_TARGETS),$(call cov_corpus,$(t)))
	@echo "== unit tests and the whole corpus"
	find $(COV_DIR) -name '*.gcda' -delete
	$(COV_MAKE) unit fuzz-replay >$(COV_DIR)/run.log 2>&1 || { cat $(COV_DIR)/run.log; exit 1; }
	$(COV_GCOVR) --txt
	$(COV_GCOVR) --branches --txt | sed -n '/^File/,$$p'
	$(COV_GCOVR) --html-details -o $(COV_DIR)/index.html --print-summary --fail-under-line 95
	@echo "== the server's request handling (unit tests, fuzz_rules and fuzz_session)"
	$(COV_SERVER) --txt
	$(COV_SERVER) --branches --txt | sed -n '/^File/,$$p'
	@echo "coverage: details in $(COV_DIR)/index.html"

# Coverage-guided live fuzzing (docs/coverage-fuzzing.md). COVERAGE_BENCH_ARGS passes
# options to bench/coverage_bench.py: make coverage-bench COVERAGE_BENCH_ARGS='--seconds 120'
COVERAGE_BENCH_ARGS ?=
.PHONY: coverage-check coverage-bench
coverage-check: $(ASAN_PROGRAMS)
	S4KIT_BIN=$(abspath $(ASAN)) S4KIT_COVERAGE_LONG=1 $(SAN_ENV) $(PYTHON) -m pytest -q \
		--timeout=1800 tests/integration/test_coverage_fuzz.py
coverage-bench: $(BUILD)/socks4-test $(BUILD)/afl/socks4-server
	$(PYTHON) bench/coverage_bench.py --bin $(abspath $(BUILD)) $(COVERAGE_BENCH_ARGS)
