/tmp/wt/build-clang/obj/clang/conformance/client/cases/preflight.o: \
  conformance/client/cases/preflight.c conformance/client/clientmode.h \
  conformance/client/clientrun.h conformance/client/proxy.h lib/socks4.h \
  conformance/core/suite.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:
