/tmp/wt/build-clang/obj/clang/conformance/services/nsexec.o: \
  conformance/services/nsexec.c conformance/services/nsexec.h

conformance/services/nsexec.h:
