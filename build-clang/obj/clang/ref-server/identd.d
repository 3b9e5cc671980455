/tmp/wt/build-clang/obj/clang/ref-server/identd.o: ref-server/identd.c \
  ref-server/identd.h lib/ident.h lib/net.h lib/socks4.h

ref-server/identd.h:

lib/ident.h:

lib/net.h:

lib/socks4.h:
