/tmp/wt/build-clang/obj/clang/conformance/main.o: conformance/main.c \
  conformance/client/clientmode.h conformance/client/clientrun.h \
  conformance/client/proxy.h lib/socks4.h conformance/core/suite.h \
  conformance/core/runner.h lib/net.h conformance/fuzz/covmap.h \
  conformance/interrupt.h conformance/report/reportfile.h \
  conformance/report/report.h conformance/options.h \
  conformance/report/baseline.h conformance/services/nsexec.h \
  conformance/target/supervisor.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:

conformance/core/runner.h:

lib/net.h:

conformance/fuzz/covmap.h:

conformance/interrupt.h:

conformance/report/reportfile.h:

conformance/report/report.h:

conformance/options.h:

conformance/report/baseline.h:

conformance/services/nsexec.h:

conformance/target/supervisor.h:
