/tmp/wt/build-clang/obj/clang/conformance/report/report.o: \
  conformance/report/report.c conformance/report/report.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/core/escape.h conformance/report/baseline.h

conformance/report/report.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/core/escape.h:

conformance/report/baseline.h:
