/tmp/wt/build-clang/obj/clang/conformance/client/proxy.o: \
  conformance/client/proxy.c conformance/client/proxy.h lib/socks4.h \
  conformance/core/runner.h conformance/core/suite.h lib/net.h

conformance/client/proxy.h:

lib/socks4.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/net.h:
