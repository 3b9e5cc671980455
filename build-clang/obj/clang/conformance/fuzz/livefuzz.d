/tmp/wt/build-clang/obj/clang/conformance/fuzz/livefuzz.o: \
  conformance/fuzz/livefuzz.c conformance/fuzz/covmap.h \
  conformance/fuzz/fuzzstats.h conformance/fuzz/livefuzz.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/options.h conformance/report/report.h \
  conformance/core/escape.h conformance/target/crashdir.h \
  conformance/target/supervisor.h conformance/target/target.h

conformance/fuzz/covmap.h:

conformance/fuzz/fuzzstats.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/options.h:

conformance/report/report.h:

conformance/core/escape.h:

conformance/target/crashdir.h:

conformance/target/supervisor.h:

conformance/target/target.h:
