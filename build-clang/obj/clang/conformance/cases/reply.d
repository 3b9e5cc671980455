/tmp/wt/build-clang/obj/clang/conformance/cases/reply.o: \
  conformance/cases/reply.c conformance/core/suite.h lib/socks4.h

conformance/core/suite.h:

lib/socks4.h:
