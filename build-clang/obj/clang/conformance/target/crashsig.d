/tmp/wt/build-clang/obj/clang/conformance/target/crashsig.o: \
  conformance/target/crashsig.c conformance/target/crashsig.h \
  conformance/core/escape.h

conformance/target/crashsig.h:

conformance/core/escape.h:
