# SPDX-License-Identifier: MIT
# lib/: the wire module as a library for other people's C code, libsocks4kit:
# lib/socks4.c and lib/ident.c only (net.c and relay.c are socks4kit's own I/O
# policy, not part of the library). The headers are the documentation; the man
# page socks4kit(3) has an example.
#
#   make lib          build/libsocks4kit.a, build/libsocks4kit.so.MAJOR.MINOR
#                     (soname libsocks4kit.so.MAJOR); make install installs them with
#                     socks4.h and ident.h in INCLUDEDIR/socks4kit/ and socks4kit.pc
#
# The soname policy: LIB_MAJOR (soname libsocks4kit.so.MAJOR, Debian package
# libsocks4kitMAJOR) changes only on an ABI break: a struct, a constant or a
# signature changed incompatibly, or a function removed. LIB_MINOR changes when
# something is added. Both are independent of the release version (VERSION, which
# socks4kit.pc carries): socks4kit 1.x.y ships libsocks4kit.so.1 until the ABI breaks.
LIB_MAJOR   := 1
LIB_MINOR   := 0
LIBRARY_SRC := lib/socks4.c lib/ident.c
LIB_HEADERS := lib/socks4.h lib/ident.h
LIB_A       := $(BUILD)/libsocks4kit.a
LIB_SO      := $(BUILD)/libsocks4kit.so.$(LIB_MAJOR).$(LIB_MINOR)
PIC         := $(BUILD)/pic/$(CCNAME)
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include

$(PIC)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -fPIC $(WARN) -MMD -MP -c $< -o $@

$(LIB_A): $(call objs,$(LIBRARY_SRC))
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(patsubst %.c,$(PIC)/%.o,$(LIBRARY_SRC))
	$(CC) -shared $(CFLAGS) $(LDFLAGS) -Wl,-soname,libsocks4kit.so.$(LIB_MAJOR) $^ -o $@

.PHONY: lib install-lib
lib: $(LIB_A) $(LIB_SO)
all: lib

# The .pc is written at install time, so its prefix is the one installed to.
install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/socks4kit \
		$(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/libsocks4kit.so.$(LIB_MAJOR)
	ln -sf libsocks4kit.so.$(LIB_MAJOR) $(DESTDIR)$(LIBDIR)/libsocks4kit.so
	install -m 644 $(LIB_HEADERS) $(DESTDIR)$(INCLUDEDIR)/socks4kit/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
		lib/socks4kit.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/socks4kit.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/socks4kit.pc
	install -m 644 man/socks4kit.3 $(DESTDIR)$(PREFIX)/share/man/man3/

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/libsocks4kit.a $(DESTDIR)$(LIBDIR)/libsocks4kit.so* \
		$(DESTDIR)$(LIBDIR)/pkgconfig/socks4kit.pc $(DESTDIR)$(PREFIX)/share/man/man3/socks4kit.3
	rm -rf $(DESTDIR)$(INCLUDEDIR)/socks4kit
