/tmp/wt/build-clang/obj/clang/lib/relay.o: lib/relay.c lib/relay.h

lib/relay.h:
