/tmp/wt/build-clang/obj/clang/ref-server/main.o: ref-server/main.c \
  lib/net.h ref-server/rules.h ref-server/identd.h lib/ident.h \
  ref-server/server.h

lib/net.h:

ref-server/rules.h:

ref-server/identd.h:

lib/ident.h:

ref-server/server.h:
