/tmp/wt/build-clang/obj/clang/conformance/engine/casebody.o: \
  conformance/engine/casebody.c conformance/engine/casebody.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h conformance/target/instance.h

conformance/engine/casebody.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/target/instance.h:
