#!/usr/bin/env bash
# fsprobe functions: the demo target's lookup and miss functions are marked and suggested, a
# regex filters, the loaded libc is searched too, C++ names are demangled, and a bad regex or
# pid fails in one line.
. "$(dirname "$0")/../lib.sh"

fs_start fn --threads 1 --requests 10 || finish
EXE=$(readlink "/proc/$FS_PID/exe")

# list NAME ARGS...: run functions into $TMP/NAME (stdout) and $TMP/NAME.err; exit status in $?.
list() {
	local name=$1
	shift
	"$FSPROBE" functions "$@" >"$TMP/$name" 2>"$TMP/$name.err"
}
# functions FILE: the function lines, without the title and the summary at the end.
functions() { sed -n '2,/^$/p' "$1" | sed '/^$/d'; }

list all --pid "$FS_PID"
check "lists with exit 0" test $? = 0
check "feature_cache_lookup marked L, in the executable" \
	grep -Eq "^L[ M] +feature_cache_lookup +$EXE\$" "$TMP/all"
check "compute_features marked M" grep -Eq "^[ L]M +compute_features +$EXE\$" "$TMP/all"
check "an unmarked function is listed too (main)" grep -Eq "^   +main +$EXE\$" "$TMP/all"
check "the suggestion names them" grep -qx \
	"try: sudo fsprobe top --pid $FS_PID --lookup feature_cache_lookup --miss compute_features" \
	"$TMP/all"
check "marked functions come first" bash -c "
	sed -n '2,/^\$/p' '$TMP/all' | sed '/^\$/d' | cut -c1-2 | awk '{ m = \$0 != \"  \" }
		m && seen_plain { bad = 1 } !m { seen_plain = 1 } END { exit bad }'"
check "libc's functions are listed (a loaded library)" grep -Eq ' +/.*libc\.so\.6$' "$TMP/all"
check "no compiler clone is listed" bash -c "! grep -q 'fs_now_ns\.constprop' '$TMP/all'"
# A function in both .symtab and .dynsym (-rdynamic) is one function: listed once.
cc -O1 -rdynamic -o "$TMP/dyn.bin" -x c - <<'C'
__attribute__((noinline)) int quote_fetch(int x) { return x * 3; }
int main(int argc, char **argv) { (void)argv; return quote_fetch(argc) == 42; }
C
check "the test binary has quote_fetch in both symbol tables" bash -c "
	nm '$TMP/dyn.bin' | grep -q ' T quote_fetch\$' && nm -D '$TMP/dyn.bin' | grep -q ' T quote_fetch\$'"
list dyn --binary "$TMP/dyn.bin" 'quote'
check "... and functions lists it once" test "$(grep -c ' quote_fetch ' "$TMP/dyn")" = 1

list cache --pid "$FS_PID" 'CACHE'
functions "$TMP/cache" >"$TMP/cache.f"
check "a regex filters, case-insensitively ($(wc -l <"$TMP/cache.f") functions match 'CACHE')" \
	bash -c "grep -q ' feature_cache_lookup ' '$TMP/cache.f' && grep -q ' cache_init ' '$TMP/cache.f' &&
		! grep -vqi 'cache' '$TMP/cache.f'"
check "the filtered list still suggests the lookup-miss pair only when both match" \
	bash -c "! grep -q '^try:' '$TMP/cache'"

list malloc --pid "$FS_PID" '^malloc$'
check "the summary counts the files with a match, of the files searched" \
	grep -Eq '^1 function in 1 file \(of [2-9][0-9]* searched\); ' "$TMP/malloc"
check "^malloc\$ finds malloc in libc, and only it" bash -c "
	test \"\$(sed -n '2,/^\$/p' '$TMP/malloc' | sed '/^\$/d' | awk '{ print \$1, \$2 }' |
		sed 's|/.*/||')\" = 'malloc libc.so.6'"

list pair --pid "$FS_PID" 'feature_cache_lookup|compute_features'
check "two names by alternation, with the suggestion" grep -q "^try: .*--miss compute_features$" "$TMP/pair"

check "--help shows functions with --binary PATH" \
	bash -c "'$FSPROBE' --help | grep -qF 'fsprobe functions (--pid PID | --binary PATH) [REGEX]'"
list bin --binary "$FEATURESTORE" '^(feature_cache_lookup|compute_features)$'
check "--binary lists the file alone and suggests --binary" grep -qx \
	"try: sudo fsprobe top --binary '$(realpath "$FEATURESTORE")' --lookup feature_cache_lookup --miss compute_features" \
	"$TMP/bin"

# expect NAME PATTERN ARGS...: exit 1 and exactly one stderr line matching PATTERN.
expect() {
	local name=$1 pattern=$2 status
	shift 2
	list err "$@"
	status=$?
	if [ "$status" != 1 ] || [ "$(wc -l <"$TMP/err.err")" != 1 ] ||
		! grep -Eq -- "$pattern" "$TMP/err.err" || [ -s "$TMP/err" ]; then
		fail "$name" "exit $status: $(head -3 "$TMP/err.err" | tr '\n' '|')"
	else
		pass "$name: $(cat "$TMP/err.err")"
	fi
}
expect "invalid regex" "^fsprobe: invalid regex '\(': " --pid "$FS_PID" '('
expect "no such pid" "^fsprobe: no process with pid 2147483647 " --pid 2147483647
expect "no such binary" "^fsprobe: --binary '/nonexistent/x': No such file" --binary /nonexistent/x

# C++: "demangled  [mangled]", and the regex sees the demangled name.
if command -v g++ >/dev/null; then
	g++ -O1 -o "$TMP/cxx.bin" -x c++ - <<'CXX'
#include <string>
namespace desk {
struct FeatureCache {
	__attribute__((noinline)) int lookup(const std::string &k) { return (int)k.size(); }
};
}
int main(int argc, char **argv)
{
	desk::FeatureCache c;
	return c.lookup(argv[argc - 1]) == 1234;
}
CXX
	list cxx --binary "$TMP/cxx.bin" 'FeatureCache::lookup'
	check "C++: demangled, with the mangled name to probe" grep -Eq \
		'^L  +desk::FeatureCache::lookup\(std::string const&\)  \[_ZN4desk12FeatureCache6lookup[^]]*\] ' \
		"$TMP/cxx"
else
	echo "SKIP C++ demangling: g++ not installed"
fi
finish
