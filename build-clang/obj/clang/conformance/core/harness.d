/tmp/wt/build-clang/obj/clang/conformance/core/harness.o: \
  conformance/core/harness.c conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h lib/ident.h

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

lib/ident.h:
