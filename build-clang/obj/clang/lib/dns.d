/tmp/wt/build-clang/obj/clang/lib/dns.o: lib/dns.c lib/dns.h

lib/dns.h:
