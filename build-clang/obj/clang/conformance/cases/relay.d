/tmp/wt/build-clang/obj/clang/conformance/cases/relay.o: \
  conformance/cases/relay.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
