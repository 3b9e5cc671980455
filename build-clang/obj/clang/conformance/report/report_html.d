/tmp/wt/build-clang/obj/clang/conformance/report/report_html.o: \
  conformance/report/report_html.c conformance/report/baseline.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/report/report.h

conformance/report/baseline.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/report/report.h:
