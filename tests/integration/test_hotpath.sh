#!/usr/bin/env bash
# The hot path's shape in the built BPF object, which no count can show: key_sym_idx, where a
# hit's key is read, keeps its stack under 64 bytes. At 64 bytes (rounded up to 16) the kernel runs
# a subprogram on a per-CPU private stack, where every user-memory read costs about 20 ns more.
. "$(dirname "$0")/../lib.sh"

OBJ=$OUTPUT/fsprobe.bpf.o
# deepest stack offset (r10 - N) each function of the object uses
llvm-objdump -d --no-show-raw-insn "$OBJ" | awk '
	# a function starts at a symbol; <LBB...> are branch labels inside one
	/^[0-9a-f]+ <[A-Za-z_0-9]+>:/ && $2 !~ /^<LBB/ { fn = $2; gsub(/[<>:]/, "", fn); if (!(fn in d)) d[fn] = 0 }
	match($0, /r10 - [0-9]+/) { v = substr($0, RSTART + 6, RLENGTH - 6) + 0; if (v > d[fn]) d[fn] = v }
	END { for (f in d) print f, d[f] }' >"$TMP/depths"
depth=$(awk '$1 == "key_sym_idx" { print $2 }' "$TMP/depths")
check "key_sym_idx is a subprogram of its own in $OBJ" [ -n "$depth" ]
check "key_sym_idx uses ${depth:-?} bytes of stack, at most 48" [ "${depth:-999}" -le 48 ]
finish
