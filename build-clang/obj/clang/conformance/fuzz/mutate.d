/tmp/wt/build-clang/obj/clang/conformance/fuzz/mutate.o: \
  conformance/fuzz/mutate.c conformance/fuzz/mutate.h \
  conformance/fuzz/corpus.h conformance/fuzz/livefuzz.h \
  conformance/core/runner.h conformance/core/suite.h lib/socks4.h \
  lib/net.h

conformance/fuzz/mutate.h:

conformance/fuzz/corpus.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
