/tmp/wt/build-clang/obj/clang/conformance/cases/bind.o: \
  conformance/cases/bind.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
