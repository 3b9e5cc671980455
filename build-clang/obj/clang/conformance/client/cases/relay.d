/tmp/wt/build-clang/obj/clang/conformance/client/cases/relay.o: \
  conformance/client/cases/relay.c conformance/client/clientmode.h \
  conformance/client/clientrun.h conformance/client/proxy.h lib/socks4.h \
  conformance/core/suite.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:
