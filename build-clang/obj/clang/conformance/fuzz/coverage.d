/tmp/wt/build-clang/obj/clang/conformance/fuzz/coverage.o: \
  conformance/fuzz/coverage.c conformance/fuzz/corpus.h \
  conformance/fuzz/livefuzz.h conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h \
  conformance/fuzz/covmap.h conformance/fuzz/finding.h \
  conformance/fuzz/fuzzstats.h conformance/fuzz/mutate.h \
  conformance/target/supervisor.h conformance/target/target.h

conformance/fuzz/corpus.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/fuzz/covmap.h:

conformance/fuzz/finding.h:

conformance/fuzz/fuzzstats.h:

conformance/fuzz/mutate.h:

conformance/target/supervisor.h:

conformance/target/target.h:
