# SPDX-License-Identifier: MIT
# bench/: the load generator and `make bench` (bench/bench.py), which prints figures
# and ratios; benchmarks are never a pass/fail test and never part of make check.
#
#   make bench        socks4-server (release) beside direct loopback and Dante
#   make soak         only the reliability tests (tests/integration/test_reliability.py)
#
# BENCH_ARGS passes options to bench.py: make bench BENCH_ARGS='--reps 3'. loadgen
# is a tool of the benchmarks and tests, not a program to install.
LOADGEN := $(BUILD)/loadgen
$(LOADGEN): $(call objs,bench/loadgen.c lib/socks4.c lib/net.c lib/dns.c)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

BENCH_ARGS ?=
.PHONY: bench soak
bench: $(BUILD)/socks4-server $(BUILD)/socks4-test $(LOADGEN)
	$(PYTHON) bench/bench.py --bin $(abspath $(BUILD)) $(BENCH_ARGS)

# The reliability tests run in `make integration` (so in make check and CI). Two of
# them need the release server and loadgen: the 100,000-session run (RSS means
# something without ASan) and the server tests under valgrind.
export S4KIT_RELEASE_BIN := $(abspath $(BUILD))
integration: $(BUILD)/socks4-server $(LOADGEN)
soak: $(ASAN)/socks4-server $(BUILD)/socks4-server $(LOADGEN)
	S4KIT_BIN=$(abspath $(ASAN)) $(SAN_ENV) $(PYTHON) -m pytest -q --timeout=300 \
		tests/integration/test_reliability.py
