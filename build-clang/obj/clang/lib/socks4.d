/tmp/wt/build-clang/obj/clang/lib/socks4.o: lib/socks4.c lib/socks4.h

lib/socks4.h:
