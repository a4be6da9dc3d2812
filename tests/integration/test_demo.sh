#!/usr/bin/env bash
# make demo's script: it starts, prints the metrics URL and shows the counts moving.
. "$(dirname "$0")/../lib.sh"

DEMO_SECONDS=5 DEMO_PORT=$(free_port) OUTPUT=$OUTPUT bash "$ROOT/uprobes-targets/demo.sh" \
	>"$TMP/demo" 2>&1
check "demo exits 0" test $? = 0
check "demo prints the metrics URL" grep -q 'metrics: *http://127.0.0.1:[0-9]*/metrics' "$TMP/demo"
rows=$(awk '$1 ~ /^[0-9]+s$/ { print $2 }' "$TMP/demo")
check "demo shows counts moving ($(echo $rows))" \
	bash -c "echo '$rows' | awk 'NR > 1 && \$1 <= p { bad = 1 } { p = \$1 } END { exit bad || NR < 2 }'"
check "demo leaves nothing running" bash -c "! pgrep -f '[f]eaturestore --threads 2 --rate 10000' >/dev/null"
finish
