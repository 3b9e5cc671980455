/tmp/wt/build-clang/obj/clang/conformance/fuzz/fuzzstats.o: \
  conformance/fuzz/fuzzstats.c conformance/core/escape.h \
  conformance/fuzz/finding.h conformance/fuzz/livefuzz.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/fuzz/fuzzstats.h conformance/target/supervisor.h

conformance/core/escape.h:

conformance/fuzz/finding.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/fuzz/fuzzstats.h:

conformance/target/supervisor.h:
