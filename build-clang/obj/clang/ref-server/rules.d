/tmp/wt/build-clang/obj/clang/ref-server/rules.o: ref-server/rules.c \
  ref-server/rules.h ref-server/identd.h lib/ident.h

ref-server/rules.h:

ref-server/identd.h:

lib/ident.h:
