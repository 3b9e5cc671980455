# SPDX-License-Identifier: MIT
# release/: the release tarball and the checks a distribution makes of it (issue 23).
# The version has one home, the file VERSION (read by the top Makefile).
#
#   make dist          build/socks4kit-VERSION.tar.gz: the tracked files, reproducibly packed
#   make distcheck     the tarball unpacked in a temporary folder: gcc and clang builds, the
#                      suite against the built-in server, the Check unit tests, install into
#                      a DESTDIR and uninstall (no file may be left behind)
#   make repro-check   the tarball built twice in two folders (binaries, then .debs) with
#                      the same SOURCE_DATE_EPOCH: the same bytes
DIST := $(BUILD)/socks4kit-$(VERSION).tar.gz

# Release objects carry no build folder (debug info, __FILE__), so a build from any
# folder gives the same bytes. (The sanitizer and fuzz builds keep their paths.)
$(OBJ)/%.o $(PIC)/%.o: CPPFLAGS += -ffile-prefix-map=$(CURDIR)=.

# The objects that print the version are compiled again when VERSION changes.
VERSION_USERS := $(shell grep -rl --include='*.c' S4KIT_VERSION \
                   $(dir $(wildcard */module.mk)) 2>/dev/null)
$(call objs,$(VERSION_USERS)) $(call asanobjs,$(VERSION_USERS)): VERSION

.PHONY: dist distcheck repro-check
dist:
	bash release/dist.sh $(VERSION) $(DIST)

distcheck: dist
	bash release/distcheck.sh $(DIST)

repro-check: dist
	bash release/repro-check.sh $(DIST)
