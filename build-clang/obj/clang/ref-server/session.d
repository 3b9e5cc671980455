/tmp/wt/build-clang/obj/clang/ref-server/session.o: ref-server/session.c \
  ref-server/identd.h lib/ident.h lib/net.h lib/relay.h \
  ref-server/rules.h ref-server/selfloop.h ref-server/session.h \
  ref-server/server.h lib/socks4.h

ref-server/identd.h:

lib/ident.h:

lib/net.h:

lib/relay.h:

ref-server/rules.h:

ref-server/selfloop.h:

ref-server/session.h:

ref-server/server.h:

lib/socks4.h:
