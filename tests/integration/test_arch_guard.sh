#!/usr/bin/env bash
# fsprobe reasons about x86-64 code only (probe placement, lazy counting, the reach analysis,
# the BPF programs' return-address checks). Everywhere else the build must stop, by name, not
# produce a binary that miscounts.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh

out=$(make -n ARCH=arm64 2>&1)
status=$?
check "make refuses another architecture (exit $status)" test "$status" != 0
check "... and says x86-64 only" grep -q "x86-64 only" <<<"$out"

out=$(cc -U__x86_64__ -fsyntax-only -Iuser/target user/target/decode.c 2>&1)
check "the decoder does not compile for another architecture" \
	grep -q "fsprobe decodes x86-64 code" <<<"$out"

finish
