#!/usr/bin/env bash
# The documentation against the tool: every sample marked <!-- check: --> in README.md and
# docs/ runs against the demo feature store and must have the shape the docs show
# (tests/docs/check_docs.py, which also lists the samples it cannot run here, and why); the
# cost table in docs/performance.md is exactly what its make bench results give; every link
# to a row of it finds the row.
. "$(dirname "$0")/../lib.sh"

FSPROBE=$FSPROBE OUTPUT=$OUTPUT python3 "$ROOT/tests/docs/check_docs.py" || FAILS=$((FAILS + 1))

check "docs/performance.md: the cost table is what its bench results give (no hand edits)" \
	python3 "$ROOT/tests/bench/cost_table.py" check "$ROOT/docs/performance.md"

python3 "$ROOT/tests/bench/cost_table.py" rows "$ROOT/docs/performance.md" >"$TMP/rows"
grep -rhoE 'performance\.md#cost-[a-z0-9-]+' "$ROOT/README.md" "$ROOT/docs" | sed 's/.*#//' |
	sort -u >"$TMP/linked"
check "every link to a cost-table row finds it ($(wc -l <"$TMP/linked") rows linked)" \
	bash -c "! comm -23 '$TMP/linked' <(sort -u '$TMP/rows') | grep ."
# Inside performance.md the rows are linked as #cost-ROW.
grep -hoE '\(#cost-[a-z0-9-]+\)' "$ROOT/docs/performance.md" | tr -d '()#' | sort -u >"$TMP/local"
check "every #cost- link inside docs/performance.md finds its row" \
	bash -c "! comm -23 '$TMP/local' <(sort -u '$TMP/rows') | grep ."
finish
