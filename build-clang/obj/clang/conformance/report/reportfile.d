/tmp/wt/build-clang/obj/clang/conformance/report/reportfile.o: \
  conformance/report/reportfile.c conformance/report/reportfile.h \
  conformance/report/report.h conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h

conformance/report/reportfile.h:

conformance/report/report.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
