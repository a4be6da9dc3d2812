#!/usr/bin/env bash
# Real caches in other languages and key shapes: exact per-symbol counts against each target's
# own tally, for every way of naming functions, reading keys and telling hits from misses.
. "$(dirname "$0")/../lib.sh"

T=$OUTPUT/targets
# A language whose toolchain make deps could not install is skipped by the build, never here:
# CI installs them all, so a missing target is a failure.
for bin in featurestore-cxx featurestore-rust featurestore-go shapes; do
	[ -x "$T/$bin" ] || fail "target $bin is built" "run make targets"
done

# case_exact NAME BIN "TARGET ARGS" FSPROBE ARGS...: attach, run the fixed workload, compare.
ncase=0
case_exact() {
	local name=$1 bin=$2 targs=$3 id=case$((++ncase))
	shift 3
	FEATURESTORE=$bin fs_start "$id" $targs --threads 2 --requests 40000 || return
	fsp_start "$id.fsp" --pid "$FS_PID" "$@" || return
	fs_go "$id" || { fail "$name: workload finishes"; return; }
	scrape "$TMP/$id.m" || { fail "$name: scrape valid"; return; }
	same_counts "$name" "$TMP/$id.m" "$FS_TALLY"
	kill -TERM "$FSP_PID" "$FS_PID"
	wait "$FSP_PID" "$FS_PID" 2>/dev/null
}

# C++: a std::string& key, a full signature to pick one overload, the miss function by name.
case_exact "c++ get/compute, std::string keys short and heap (SSO and not)" \
	"$T/featurestore-cxx" "--long-keys" \
	--lookup 'FeatureCache::get(std::string const&, Features&)' \
	--miss 'FeatureCache::compute' --key 'cxx_string(arg1)'
case_exact "c++ signature spelled as nm -C prints it" \
	"$T/featurestore-cxx" "" \
	--lookup 'FeatureCache::get(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, Features&)' \
	--miss 'FeatureCache::compute' --key 'cxx_string(arg1)'
case_exact "c++ find() returning nullptr on a miss: --hit-when 'ret != 0'" \
	"$T/featurestore-cxx" "--mode find" \
	--lookup 'FeatureCache::find' --hit-when 'ret != 0' --key 'cxx_string(arg1)'
# A miss function that also runs outside the lookup (insert() after find() returned): asked for
# --lazy without proof that it is safe, fsprobe counts at return, so these calls are not the
# lookup's misses.
FEATURESTORE=$T/featurestore-cxx fs_start cxxout --mode find --threads 2 --requests 40000 || finish
fsp_start cxxout.fsp --pid "$FS_PID" --lookup FeatureCache::find --miss FeatureCache::compute \
	--key 'cxx_string(arg1)' --lazy || finish
fs_go cxxout
scrape "$TMP/cxxout.m"
check "--lazy, miss function called outside the lookup: fsprobe says it counts at return" \
	grep -q 'counting each lookup at its return, as FeatureCache::compute may run outside' "$FSP_LOG"
misses=$(awk '$1 == "TOTAL" { print $4 }' "$FS_TALLY")
check "... and those $misses calls are misses outside any lookup, not misattributed" \
	grep -qx "fsprobe_miss_outside_lookup_total $misses" "$TMP/cxxout.m"
check "... and every find() counts as a hit (it never ran compute itself)" \
	grep -qx 'featurestore_hit_ratio 1' "$TMP/cxxout.m"
kill -TERM "$FSP_PID" "$FS_PID"
wait "$FSP_PID" "$FS_PID" 2>/dev/null

FEATURESTORE=$T/featurestore-cxx fs_start cxxamb --threads 1 --requests 10 || finish
"$FSPROBE" --pid "$FS_PID" --lookup FeatureCache::get --miss FeatureCache::compute \
	--web.listen-address "127.0.0.1:$(free_port)" 2>"$TMP/amb" >/dev/null
check "c++ overloaded name is refused, listing the signatures: $(cat "$TMP/amb")" \
	grep -q "2 functions match (name one by its full signature): 'FeatureCache::get(" "$TMP/amb"
check "c++ compiler fragments (.cold) are never candidates" bash -c "! grep -qE '\[clone|\.cold' '$TMP/amb'"

# Rust: demangled path, &str as pointer and length (after the hidden return slot).
case_exact "rust get/compute, &str key as bytes(ptr, len)" \
	"$T/featurestore-rust" "" \
	--lookup 'main::FeatureCache::get' --miss 'main::FeatureCache::compute' --key 'bytes(arg2, arg3)'
case_exact "rust by a path suffix (FeatureCache::get)" \
	"$T/featurestore-rust" "" \
	--lookup 'FeatureCache::get' --miss 'FeatureCache::compute' --key 'bytes(arg2, arg3)'

# Go: ABIInternal registers (go_string(arg1) is RBX and RCX), goroutine-keyed state, probes on
# RET instructions instead of uretprobes, the entry probe after the stack-bound check.
G=$T/featurestore-go
case_exact "go Get/load, go_string(arg1), per goroutine, RET probes" "$G" "" \
	--lookup 'main.(*Cache).Get' --miss 'main.(*Cache).load' --key 'go_string(arg1)'
case_exact "go Get's bool result (third result register): --hit-when 'u8(ret2) != 0'" "$G" "" \
	--lookup 'main.(*Cache).Get' --hit-when 'u8(ret2) != 0' --key 'go_string(arg1)'
case_exact "go --hit/--miss marker functions" "$G" "--mode hitmiss" \
	--hit 'main.(*Cache).hit' --miss 'main.(*Cache).miss' --key 'go_string(arg1)'
check "go: the entry probe sits after the stack-bound check" \
	grep -q 'placement="after the Go stack-bound check"' "$TMP/case$((ncase - 2)).m"

# C key shapes.
S=$T/shapes
case_exact "key inside a struct: cstr(arg0->8)" "$S" "--shape struct" \
	--lookup cache_get_req --miss cache_fill_req --key 'cstr(arg0->8)'
case_exact "pointer and length, not NUL-terminated: bytes(arg0, arg1)" "$S" "--shape ptrlen" \
	--lookup cache_get_buf --miss cache_fill_buf --key 'bytes(arg0, arg1)'
case_exact "integer id: u32(arg0), ids above 2^31" "$S" "--shape intid --id-base 4294960000" \
	--lookup cache_get_id --miss cache_fill_id --key 'u32(arg0)'
case_exact "C function returning NULL on a miss: --hit-when 'ret != 0'" "$S" "--shape retval" \
	--lookup cache_find --hit-when 'ret != 0'
case_exact "C bool with garbage in the upper bits: --hit-when 'u8(ret) != 0'" "$S" "--shape retbool" \
	--lookup cache_has --hit-when 'u8(ret) != 0'
case_exact "functions in a shared library, found through /proc/PID/maps" "$S" "--shape lib" \
	--lookup libcache_lookup --miss libcache_compute
case_exact "functions in a shared library, named LIB:FUNC" "$S" "--shape lib" \
	--lookup libfscache.so:libcache_lookup --miss libfscache.so:libcache_compute

# --symbol-map: ids shown as names; the tally's ids translated through the same map.
FEATURESTORE=$S fs_start map --shape intid --symbol-map "$TMP/ids" --threads 2 --requests 40000 || finish
fsp_start map.fsp --pid "$FS_PID" --lookup cache_get_id --miss cache_fill_id --key 'u32(arg0)' \
	--symbol-map "$TMP/ids" || finish
fs_go map
scrape "$TMP/map.m"
awk 'NR == FNR { name[$1] = $2; next } $1 == "TOTAL" { print; next } { $1 = name[$1]; print }' \
	"$TMP/ids" "$FS_TALLY" >"$TMP/map.named"
same_counts "--symbol-map names integer ids" "$TMP/map.m" "$TMP/map.named"
check "--symbol-map: AAPL is id 1" grep -q '^featurestore_hits_total{symbol="AAPL"}' "$TMP/map.m"
kill -TERM "$FSP_PID" "$FS_PID"
printf '1 AAPL\n2 AAPL\n' >"$TMP/dup"
"$FSPROBE" --pid 1 --lookup x --miss y --key 'u32(arg0)' --symbol-map "$TMP/dup" 2>"$TMP/duperr"
check "--symbol-map refuses a name given to two ids: $(cat "$TMP/duperr")" \
	grep -q "name 'AAPL' is given to two ids" "$TMP/duperr"

# field() in the kernel: one million distinct raw keys over 100 symbols, no overflow.
FEATURESTORE=$S fs_start raw --shape rawkey --symbols 100 --raw-keys 10000 --zipf 0 \
	--threads 2 --requests 600000 --capacity 50000 || finish
fsp_start raw.fsp --pid "$FS_PID" --lookup cache_get_raw --miss cache_fill_raw \
	--key "field(cstr(arg0), ':', 1)" --max-symbols 200 || finish
fs_go raw 120
scrape "$TMP/raw.m"
same_counts "field(): 1,000,000 raw keys (100 symbols x 10,000 names), exact per symbol" \
	"$TMP/raw.m" "$FS_TALLY"
check "field(): no overflow, 100 series" grep -qx 'fsprobe_symbols 100' "$TMP/raw.m"
check "field(): fsprobe_symbols_overflow_total 0" grep -qx 'fsprobe_symbols_overflow_total 0' "$TMP/raw.m"
finish
