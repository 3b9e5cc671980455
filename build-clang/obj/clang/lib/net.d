build-clang/obj/clang/lib/net.o: lib/net.c lib/net.h lib/dns.h

lib/net.h:

lib/dns.h:
