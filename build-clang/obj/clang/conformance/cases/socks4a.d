/tmp/wt/build-clang/obj/clang/conformance/cases/socks4a.o: \
  conformance/cases/socks4a.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
