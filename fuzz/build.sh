#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# build.sh - the fuzz targets, built the OSS-Fuzz / ClusterFuzzLite way.
#
# The build infrastructure sets $CC, $CFLAGS (sanitizer and coverage flags),
# $LIB_FUZZING_ENGINE (libFuzzer, AFL++'s driver, ...) and $OUT, and runs this
# from the source tree (fuzz/Dockerfile). Into $OUT go, per target NAME:
#   fuzz_NAME                    the binary
#   fuzz_NAME.dict               its dictionary
#   fuzz_NAME.options            its libFuzzer options (max_len)
#   fuzz_NAME_seed_corpus.zip    corpus/NAME/
# The target list and each target's sources live in fuzz/module.mk alone.
# Try it locally:
#   CC=clang CFLAGS='-fsanitize=address,fuzzer-no-link' \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out bash fuzz/build.sh

# The source tree: the working directory (OSS-Fuzz copies this script to
# $SRC/build.sh), or the tree this script sits in.
[ -f fuzz/module.mk ] || cd "$(dirname "$0")/.."
build=${WORK:-/tmp}/socks4kit-fuzz-build
mkdir -p "$OUT"

# Warnings are not errors here: the infrastructure's clang is newer than ours.
make -j"$(nproc)" --no-print-directory BUILD="$build" FUZZ_CC="$CC" FUZZ_CFLAGS="$CFLAGS" \
	FUZZ_ENGINE="$LIB_FUZZING_ENGINE" FUZZ_WARN="-Wall -Wextra" fuzz

for bin in "$build"/fuzz/fuzz_*; do
	case $bin in *.dict | *.options) continue ;; esac
	name=$(basename "$bin")
	cp "$bin" "$bin.dict" "$bin.options" "$OUT/"
	rm -f "$OUT/${name}_seed_corpus.zip"
	zip -q -j "$OUT/${name}_seed_corpus.zip" "corpus/${name#fuzz_}"/*
	echo "build.sh: $OUT/$name ($(ls "corpus/${name#fuzz_}" | wc -l) seeds)"
done
