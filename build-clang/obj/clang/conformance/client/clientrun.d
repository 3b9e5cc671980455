/tmp/wt/build-clang/obj/clang/conformance/client/clientrun.o: \
  conformance/client/clientrun.c conformance/client/clientrun.h \
  conformance/target/lifeline.h lib/net.h

conformance/client/clientrun.h:

conformance/target/lifeline.h:

lib/net.h:
