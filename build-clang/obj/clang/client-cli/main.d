/tmp/wt/build-clang/obj/clang/client-cli/main.o: client-cli/main.c \
  client-cli/args.h client-cli/client.h lib/socks4.h

client-cli/args.h:

client-cli/client.h:

lib/socks4.h:
