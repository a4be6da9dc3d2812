# bash completion for fsprobe(8)                                   -*- shell-script -*-
#
# Completes the commands; the options, read from `fsprobe --help` so they never drift; pids
# after --pid; files after --binary, --config and --symbol-map; the values of --bpf-variant
# and --format; and function names after --lookup, --miss and --hit once --pid or --binary is
# on the line, listed by `fsprobe functions` (as the user completing: a process of another
# user lists nothing without root). Installed as
# /usr/share/bash-completion/completions/fsprobe; needs the bash-completion package.
# tests/integration/test_completion.sh drives it.

# _fsprobe_functions FSPROBE --pid PID | --binary PATH
# The names --lookup takes, one a line: each function's symbol name (the bracketed one after
# a demangled C++ or Rust name), and LIB:NAME as well for a function of a library.
_fsprobe_functions()
{
    local fsprobe=$1 exe=
    case $2 in
        --pid) exe=$(readlink "/proc/$3/exe" 2>/dev/null) ;;
        --binary) exe=$(readlink -f -- "$3" 2>/dev/null) ;;
    esac
    # `fsprobe functions` prints a title, then "MARK  FUNCTION  FILE" lines from column 7
    # (user/term/functions.c), then a blank line and a summary.
    LC_ALL=C "$fsprobe" functions "$2" "$3" 2>/dev/null | awk -v exe="$exe" '
        NR == 1 { next }
        /^$/ { exit }
        {
            name = substr($0, 7)
            file = $NF
            sub(/ +[^ ]+$/, "", name)
            if (match(name, /  \[[^]]+\]$/))
                name = substr(name, RSTART + 3, RLENGTH - 4)
            print name
            if (file != exe) {
                n = split(file, part, "/")
                print part[n] ":" name
            }
        }'
}

_fsprobe()
{
    local cur prev words cword split
    # -n : keeps LIB:FUNC one word; -s splits --option=value.
    _init_completion -s -n : || return

    local fsprobe=${words[0]} cmd= target= target_arg= i w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            run | top | report | functions | check)
                [[ -z $cmd && $i == 1 ]] && cmd=$w
                ;;
            --pid | -p | --binary | -b)
                if ((i + 1 < cword)); then
                    target=$w target_arg=${words[i + 1]}
                fi
                ;;
            --pid=* | --binary=*)
                target=${w%%=*} target_arg=${w#*=}
                ;;
        esac
    done
    case $target in
        -p) target=--pid ;;
        -b) target=--binary ;;
    esac

    case $prev in
        --pid | -p)
            _pids
            return
            ;;
        --binary | -b | --symbol-map)
            _filedir
            return
            ;;
        --config)
            _filedir 'yaml|yml'
            return
            ;;
        --lookup | -l | --miss | -m | --hit)
            if [[ -n $target && -n $target_arg ]]; then
                local name names=()
                while IFS= read -r name; do
                    [[ $name == "$cur"* ]] || continue
                    # Quote what the shell would split or expand (Go's main.(*Cache).Get).
                    [[ $name == *[^A-Za-z0-9_.:+@-]* ]] && name=$(printf '%q' "$name")
                    names+=("$name")
                done < <(_fsprobe_functions "$fsprobe" "$target" "$target_arg" | LC_ALL=C sort -u)
                COMPREPLY=("${names[@]}")
                __ltrim_colon_completions "$cur"
            fi
            return
            ;;
        --bpf-variant)
            COMPREPLY=($(compgen -W 'auto fast compat' -- "$cur"))
            return
            ;;
        --format)
            COMPREPLY=($(compgen -W 'table json' -- "$cur"))
            return
            ;;
        --key | -k | --hit-when | --max-symbols | --thread-slots | --web.listen-address | \
            --web.telemetry-path | --interval | --duration)
            return
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        local opts
        case $cmd in
            functions) opts='--pid --binary --verbose --help' ;;
            check) opts='--verbose --help' ;;
            *) opts=$(LC_ALL=C "$fsprobe" --help 2>/dev/null | awk '
                    /^ +(-[A-Za-z], )?--[a-z]/ {
                        for (i = 1; i <= NF; i++) if ($i ~ /^--[a-z]/) { print $i; break }
                    }') ;;
        esac
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    elif [[ $cword == 1 ]]; then
        COMPREPLY=($(compgen -W 'run top report functions check' -- "$cur"))
    fi
} &&
    complete -F _fsprobe fsprobe

# ex: filetype=sh
