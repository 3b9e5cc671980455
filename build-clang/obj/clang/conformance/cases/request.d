/tmp/wt/build-clang/obj/clang/conformance/cases/request.o: \
  conformance/cases/request.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
