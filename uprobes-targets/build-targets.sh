#!/usr/bin/env bash
# build-targets.sh OUTDIR: build the probe targets of other languages and shapes into OUTDIR:
#   featurestore-cxx   (g++)       uprobes-targets/cxx/
#   featurestore-go    (go)        uprobes-targets/go/
#   featurestore-rust  (rustc)     uprobes-targets/rust/
#   shapes, libfscache.so (cc)     uprobes-targets/cshapes/ (+ uprobes-targets/common/)
# A language whose toolchain is missing is skipped with one line on stderr. The exit status is
# non-zero only when a build that was attempted failed.
# Environment: CC (default cc), CXX (default g++), GO (default go), RUSTC (default
# /usr/bin/rustc when it exists, else rustc).
set -u

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1" || exit 1
OUT=$(cd "$1" && pwd)
CC=${CC:-cc}
CXX=${CXX:-g++}
GO=${GO:-go}
if [ -z "${RUSTC:-}" ]; then
	if [ -x /usr/bin/rustc ]; then RUSTC=/usr/bin/rustc; else RUSTC=rustc; fi
fi
failed=()

# have LANG TOOL PACKAGE: true when TOOL is on PATH; otherwise says why LANG is skipped.
have() {
	command -v "$2" >/dev/null 2>&1 && return 0
	echo "build-targets: skipping $1: '$2' not found (apt-get install $3)" >&2
	return 1
}

# build NAME CMD...: run a build step, echoing it; remember a failure and carry on.
build() {
	local name=$1
	shift
	echo "  $*"
	"$@" || {
		echo "build-targets: building $name failed" >&2
		failed+=("$name")
		return 1
	}
}

# shapes finds libfscache.so next to itself. $ORIGIN is for the dynamic linker, not the shell.
# shellcheck disable=SC2016
rpath='-Wl,-rpath,$ORIGIN'
if have c "$CC" gcc; then
	build libfscache.so "$CC" -O2 -g -Wall -Wextra -fPIC -shared \
		-o "$OUT/libfscache.so" "$SRC/cshapes/libfscache.c" "$SRC/common/features.c" -lm &&
		build shapes "$CC" -O2 -g -pthread -Wall -Wextra -o "$OUT/shapes" \
			"$SRC/cshapes/main.c" "$SRC/cshapes/workload.c" "$SRC/cshapes/cache.c" \
			"$SRC"/common/*.c \
			-L"$OUT" -lfscache "$rpath" -lm
fi

if have c++ "$CXX" g++; then
	build featurestore-cxx "$CXX" -std=c++17 -O2 -g -pthread -Wall -Wextra \
		-o "$OUT/featurestore-cxx" "$SRC/cxx/featurestore.cpp" "$SRC/cxx/workload.cpp"
fi

if have go "$GO" golang-go; then
	# No dependencies, nothing to download: GOPROXY=off makes sure of it. The build cache
	# needs a home; give it one under OUTDIR when the environment has none.
	gocache=${GOCACHE:-}
	if [ -z "$gocache" ] && [ -z "${HOME:-}" ]; then gocache=$OUT/.go-cache; fi
	(cd "$SRC/go" && build featurestore-go env ${gocache:+GOCACHE="$gocache"} GOPROXY=off \
		GOFLAGS=-mod=mod GO111MODULE=on "$GO" build -o "$OUT/featurestore-go" .) ||
		failed+=(featurestore-go)
fi

if have rust "$RUSTC" rustc; then
	build featurestore-rust "$RUSTC" --edition 2021 --crate-name main -O -g \
		-o "$OUT/featurestore-rust" "$SRC/rust/main.rs"
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "build-targets: failed: ${failed[*]}" >&2
	exit 1
fi
exit 0
