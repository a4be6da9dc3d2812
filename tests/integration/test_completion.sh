#!/usr/bin/env bash
# Bash completion (completions/fsprobe.bash), driven the way bash drives it: COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT set for a command line, _fsprobe called, COMPREPLY
# checked. Function names come from the running demo target.
. "$(dirname "$0")/../lib.sh"

BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[ -r "$BASH_COMPLETION" ] || { fail "bash-completion is installed (make deps)"; finish; }

# complete LINE: the candidates bash would offer for LINE (cursor at its end), one a line.
# Words are split as bash splits them (COMP_WORDBREAKS: ':' and '=' are words of their own).
complete_line() {
	bash -c '
		. "$1"; . "$2"
		line=$3
		read -ra COMP_WORDS <<<"$(sed "s/[:=]/ & /g" <<<"$line")"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
		COMPREPLY=()
		_fsprobe fsprobe "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' \
		complete "$BASH_COMPLETION" "$ROOT/completions/fsprobe.bash" "$1" | sort
}
# offers NAME LINE WORD...: PASS when the candidates for LINE include every WORD.
offers() {
	local name=$1 line=$2 w got
	shift 2
	got=$(complete_line "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" || {
			fail "$name" "'$line' offers no '$w' (got: $(head -8 <<<"$got" | tr '\n' ' '))"
			return
		}
	done
	pass "$name"
}
# offers_exactly NAME LINE WORD...: the candidates are exactly the WORDs.
offers_exactly() {
	local name=$1 line=$2 got want
	shift 2
	got=$(complete_line "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	if [ "$got" = "$want" ]; then pass "$name"; else
		fail "$name" "'$line': got '$got', want '$want'"; fi
}

F=$FSPROBE
offers_exactly "commands after fsprobe" "$F " check functions report run top
offers_exactly "commands by prefix" "$F re" report

# Options: exactly the long options --help lists.
awk '/^ +(-[A-Za-z], )?--[a-z]/ { for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) { print $i; break } }' \
	<("$F" --help) | sort >"$TMP/long"
offers_exactly "-- offers every long option of --help ($(wc -l <"$TMP/long"))" "$F --" $(cat "$TMP/long")
offers_exactly "options by prefix" "$F top --web.l" --web.listen-address
offers_exactly "functions takes only its options" "$F functions --" --binary --help --pid --verbose

# Values.
offers_exactly "--bpf-variant values" "$F --bpf-variant " auto compat fast
offers_exactly "--format values" "$F report --format " json table
offers_exactly "nothing for a number (--max-symbols)" "$F --max-symbols "

fs_start comp --threads 1 --requests 10 || finish
offers "--pid offers running pids (the demo target's)" "$F --pid " "$FS_PID"
offers_exactly "--pid completes a pid by prefix" "$F top --pid $FS_PID" "$FS_PID"

# Function names: from `fsprobe functions` once --pid or --binary is on the line.
offers "--lookup after --pid offers the target's lookup function" \
	"$F --pid $FS_PID --lookup feature_c" "$LOOKUP"
offers "--miss after --pid offers the miss function" "$F top --pid $FS_PID --lookup $LOOKUP --miss comp" "$MISS"
offers "--hit after -p (short option) offers functions" "$F -p $FS_PID --hit comp" "$MISS"
offers "--pid=PID (one word) works too" "$F --pid=$FS_PID --lookup feature_c" "$LOOKUP"
offers "--lookup=FUNC (one word) is completed" "$F --pid $FS_PID --lookup=feature_c" "$LOOKUP"
offers "--binary then --lookup offers the executable's functions" \
	"$F --binary $FEATURESTORE --lookup feature_c" "$LOOKUP"
offers "-b (short option) then --miss" "$F -b $FEATURESTORE --miss compute" "$MISS"
offers "a loaded library's functions by name (--pid)" "$F --pid $FS_PID --lookup mallo" malloc
# LIB:FUNC: bash completes the part after ':' (a word break), so that part is offered.
offers "LIB:FUNC for a library's function" "$F --pid $FS_PID --lookup libc.so.6:mallo" malloc
offers_exactly "no function names without --pid or --binary" "$F --lookup feature_c"
offers_exactly "no function names for a pid that does not exist" "$F --pid 2147483647 --lookup f"
got=$(complete_line "$F --pid $FS_PID --lookup " | grep -c .)
check "all functions with an empty word ($got)" test "$got" -gt 100

# Files.
mkdir -p "$TMP/files/dir"
touch "$TMP/files/ids.map" "$TMP/files/config.yaml" "$TMP/files/other.txt"
offers "--binary completes paths" "$F --binary $OUTPUT/featur" "$OUTPUT/featurestore"
offers "--symbol-map completes files" "$F --binary x --symbol-map $TMP/files/i" "$TMP/files/ids.map"
offers "--config completes yaml files and directories" "$F --config $TMP/files/" \
	"$TMP/files/config.yaml" "$TMP/files/dir"
offers_exactly "--config leaves out other files" "$F --config $TMP/files/o"
finish
