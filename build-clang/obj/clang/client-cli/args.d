/tmp/wt/build-clang/obj/clang/client-cli/args.o: client-cli/args.c \
  client-cli/args.h client-cli/client.h lib/socks4.h lib/net.h

client-cli/args.h:

client-cli/client.h:

lib/socks4.h:

lib/net.h:
