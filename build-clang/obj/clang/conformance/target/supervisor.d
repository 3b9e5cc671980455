/tmp/wt/build-clang/obj/clang/conformance/target/supervisor.o: \
  conformance/target/supervisor.c conformance/target/supervisor.h \
  lib/net.h conformance/target/lifeline.h

conformance/target/supervisor.h:

lib/net.h:

conformance/target/lifeline.h:
