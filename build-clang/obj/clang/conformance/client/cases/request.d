/tmp/wt/build-clang/obj/clang/conformance/client/cases/request.o: \
  conformance/client/cases/request.c conformance/client/clientmode.h \
  conformance/client/clientrun.h conformance/client/proxy.h lib/socks4.h \
  conformance/core/suite.h conformance/core/runner.h lib/net.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:

conformance/core/runner.h:

lib/net.h:
