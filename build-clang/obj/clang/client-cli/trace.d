/tmp/wt/build-clang/obj/clang/client-cli/trace.o: client-cli/trace.c \
  client-cli/trace.h lib/socks4.h

client-cli/trace.h:

lib/socks4.h:
