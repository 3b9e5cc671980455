/tmp/wt/build-clang/obj/clang/conformance/cases/robust.o: \
  conformance/cases/robust.c conformance/core/suite.h lib/socks4.h \
  lib/net.h

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
