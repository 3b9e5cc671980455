/tmp/wt/build-clang/obj/clang/ref-server/selfloop.o: \
  ref-server/selfloop.c ref-server/selfloop.h lib/net.h \
  ref-server/session.h lib/relay.h ref-server/server.h \
  ref-server/identd.h lib/ident.h ref-server/rules.h

ref-server/selfloop.h:

lib/net.h:

ref-server/session.h:

lib/relay.h:

ref-server/server.h:

ref-server/identd.h:

lib/ident.h:

ref-server/rules.h:
