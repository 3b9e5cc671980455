/tmp/wt/build-clang/obj/clang/conformance/options.o: \
  conformance/options.c conformance/options.h conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h \
  conformance/report/report.h

conformance/options.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/report/report.h:
