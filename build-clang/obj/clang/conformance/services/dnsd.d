/tmp/wt/build-clang/obj/clang/conformance/services/dnsd.o: \
  conformance/services/dnsd.c conformance/services/dnsd.h lib/dns.h \
  lib/net.h

conformance/services/dnsd.h:

lib/dns.h:

lib/net.h:
