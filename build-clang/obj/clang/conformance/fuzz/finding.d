/tmp/wt/build-clang/obj/clang/conformance/fuzz/finding.o: \
  conformance/fuzz/finding.c conformance/core/escape.h \
  conformance/fuzz/finding.h conformance/fuzz/livefuzz.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h

conformance/core/escape.h:

conformance/fuzz/finding.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
