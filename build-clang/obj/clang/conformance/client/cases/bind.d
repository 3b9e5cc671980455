/tmp/wt/build-clang/obj/clang/conformance/client/cases/bind.o: \
  conformance/client/cases/bind.c conformance/client/clientmode.h \
  conformance/client/clientrun.h conformance/client/proxy.h lib/socks4.h \
  conformance/core/suite.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:
