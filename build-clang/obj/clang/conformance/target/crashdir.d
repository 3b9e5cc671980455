/tmp/wt/build-clang/obj/clang/conformance/target/crashdir.o: \
  conformance/target/crashdir.c conformance/target/crashdir.h

conformance/target/crashdir.h:
