/tmp/wt/build-clang/obj/clang/conformance/fuzz/covmap.o: \
  conformance/fuzz/covmap.c conformance/fuzz/covmap.h lib/net.h \
  conformance/target/supervisor.h

conformance/fuzz/covmap.h:

lib/net.h:

conformance/target/supervisor.h:
