/tmp/wt/build-clang/obj/clang/conformance/engine/death.o: \
  conformance/engine/death.c conformance/engine/death.h

conformance/engine/death.h:
