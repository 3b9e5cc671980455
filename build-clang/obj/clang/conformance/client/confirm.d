/tmp/wt/build-clang/obj/clang/conformance/client/confirm.o: \
  conformance/client/confirm.c conformance/client/confirm.h \
  conformance/core/suite.h lib/socks4.h conformance/core/runner.h \
  lib/net.h

conformance/client/confirm.h:

conformance/core/suite.h:

lib/socks4.h:

conformance/core/runner.h:

lib/net.h:
