/tmp/wt/build-clang/obj/clang/conformance/cases/preflight.o: \
  conformance/cases/preflight.c conformance/core/suite.h lib/socks4.h \
  lib/net.h

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
