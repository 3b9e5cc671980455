/tmp/wt/build-clang/obj/clang/conformance/target/lifeline.o: \
  conformance/target/lifeline.c conformance/target/lifeline.h

conformance/target/lifeline.h:
