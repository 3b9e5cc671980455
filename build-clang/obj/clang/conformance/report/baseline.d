/tmp/wt/build-clang/obj/clang/conformance/report/baseline.o: \
  conformance/report/baseline.c conformance/report/baseline.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/report/report.h

conformance/report/baseline.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/report/report.h:
