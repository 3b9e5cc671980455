/tmp/wt/build-clang/obj/clang/conformance/target/target.o: \
  conformance/target/target.c conformance/target/target.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h ref-server/server.h ref-server/identd.h lib/ident.h \
  ref-server/rules.h conformance/target/crashdir.h \
  conformance/target/instance.h conformance/target/supervisor.h

conformance/target/target.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

ref-server/server.h:

ref-server/identd.h:

lib/ident.h:

ref-server/rules.h:

conformance/target/crashdir.h:

conformance/target/instance.h:

conformance/target/supervisor.h:
