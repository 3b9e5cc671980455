/tmp/wt/build-clang/obj/clang/conformance/cases/connect.o: \
  conformance/cases/connect.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
