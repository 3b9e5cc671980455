/tmp/wt/build-clang/obj/clang/client-cli/client.o: client-cli/client.c \
  client-cli/client.h lib/socks4.h lib/net.h lib/relay.h \
  client-cli/trace.h

client-cli/client.h:

lib/socks4.h:

lib/net.h:

lib/relay.h:

client-cli/trace.h:
