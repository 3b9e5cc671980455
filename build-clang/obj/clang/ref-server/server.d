/tmp/wt/build-clang/obj/clang/ref-server/server.o: ref-server/server.c \
  ref-server/server.h ref-server/identd.h lib/ident.h ref-server/rules.h \
  lib/net.h ref-server/session.h lib/relay.h

ref-server/server.h:

ref-server/identd.h:

lib/ident.h:

ref-server/rules.h:

lib/net.h:

ref-server/session.h:

lib/relay.h:
