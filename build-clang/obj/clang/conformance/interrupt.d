/tmp/wt/build-clang/obj/clang/conformance/interrupt.o: \
  conformance/interrupt.c conformance/interrupt.h \
  conformance/report/reportfile.h conformance/report/report.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/target/lifeline.h

conformance/interrupt.h:

conformance/report/reportfile.h:

conformance/report/report.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/target/lifeline.h:
