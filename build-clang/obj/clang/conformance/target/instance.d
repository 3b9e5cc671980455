/tmp/wt/build-clang/obj/clang/conformance/target/instance.o: \
  conformance/target/instance.c conformance/target/instance.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h ref-server/server.h ref-server/identd.h lib/ident.h \
  ref-server/rules.h conformance/services/dnsd.h lib/dns.h \
  conformance/target/supervisor.h

conformance/target/instance.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

ref-server/server.h:

ref-server/identd.h:

lib/ident.h:

ref-server/rules.h:

conformance/services/dnsd.h:

lib/dns.h:

conformance/target/supervisor.h:
