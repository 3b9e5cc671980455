/tmp/wt/build-clang/obj/clang/conformance/report/requirements.o: \
  conformance/report/requirements.c conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
