/tmp/wt/build-clang/obj/clang/conformance/engine/schedule.o: \
  conformance/engine/schedule.c conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h \
  conformance/engine/casebody.h conformance/engine/death.h \
  conformance/target/instance.h conformance/target/target.h

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:

conformance/engine/casebody.h:

conformance/engine/death.h:

conformance/target/instance.h:

conformance/target/target.h:
