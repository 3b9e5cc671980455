/tmp/wt/build-clang/obj/clang/conformance/fuzz/corpus.o: \
  conformance/fuzz/corpus.c conformance/fuzz/corpus.h \
  conformance/fuzz/livefuzz.h conformance/core/runner.h \
  conformance/core/suite.h lib/socks4.h lib/net.h

conformance/fuzz/corpus.h:

conformance/fuzz/livefuzz.h:

conformance/core/runner.h:

conformance/core/suite.h:

lib/socks4.h:

lib/net.h:
