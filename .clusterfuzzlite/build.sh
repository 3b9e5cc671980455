#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# build.sh - ClusterFuzzLite runs this as $SRC/build.sh in $SRC/socks4kit, with $CC,
# $CFLAGS (sanitizer and coverage flags), $LIB_FUZZING_ENGINE, $OUT and $WORK set.
# The targets, their dictionaries, options and seed corpora are fuzz/build.sh's,
# shared with OSS-Fuzz (fuzz/project.yaml); the list of targets is fuzz/module.mk's.
[ -f fuzz/build.sh ] || cd "$(dirname "$0")/.."
exec bash fuzz/build.sh
