/tmp/wt/build-clang/obj/clang/conformance/cases/delivery.o: \
  conformance/cases/delivery.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
