/tmp/wt/build-clang/obj/clang/conformance/cases/ident.o: \
  conformance/cases/ident.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
