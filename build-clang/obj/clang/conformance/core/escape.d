/tmp/wt/build-clang/obj/clang/conformance/core/escape.o: \
  conformance/core/escape.c conformance/core/escape.h

conformance/core/escape.h:
