/tmp/wt/build-clang/obj/clang/conformance/fuzz/fuzzcrash.o: \
  conformance/fuzz/fuzzcrash.c conformance/core/escape.h \
  conformance/engine/death.h conformance/fuzz/livefuzz.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/target/crashdir.h conformance/target/crashsig.h \
  conformance/target/supervisor.h conformance/target/target.h

conformance/core/escape.h:

conformance/engine/death.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/target/crashdir.h:

conformance/target/crashsig.h:

conformance/target/supervisor.h:

conformance/target/target.h:
