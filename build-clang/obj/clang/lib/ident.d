/tmp/wt/build-clang/obj/clang/lib/ident.o: lib/ident.c lib/ident.h

lib/ident.h:
