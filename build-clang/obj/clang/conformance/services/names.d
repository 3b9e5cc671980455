/tmp/wt/build-clang/obj/clang/conformance/services/names.o: \
  conformance/services/names.c conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h \
  conformance/services/dnsd.h lib/dns.h conformance/services/nsexec.h \
  conformance/target/supervisor.h

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/services/dnsd.h:

lib/dns.h:

conformance/services/nsexec.h:

conformance/target/supervisor.h:
