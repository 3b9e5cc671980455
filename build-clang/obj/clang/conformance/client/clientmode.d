/tmp/wt/build-clang/obj/clang/conformance/client/clientmode.o: \
  conformance/client/clientmode.c conformance/client/clientmode.h \
  conformance/client/clientrun.h conformance/client/proxy.h lib/socks4.h \
  conformance/core/suite.h conformance/client/confirm.h \
  conformance/core/runner.h lib/net.h conformance/engine/casebody.h

conformance/client/clientmode.h:

conformance/client/clientrun.h:

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/suite.h:

conformance/client/confirm.h:

conformance/core/runner.h:

lib/net.h:

conformance/engine/casebody.h:
