/tmp/wt/build-clang/pic/clang/lib/ident.o: lib/ident.c lib/ident.h

lib/ident.h:
