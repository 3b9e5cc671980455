/tmp/wt/build-clang/obj/clang/conformance/services/destination.o: \
  conformance/services/destination.c conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
