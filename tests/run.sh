#!/usr/bin/env bash
# Runs every integration test script and counts their PASS and FAIL lines.
# A script that exits non-zero without printing a FAIL line counts as one failure.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failed_scripts=()
# Integration tests and the deployment manifests first, then the SLO material (rules, routing,
# dashboard, end to end).
scripts=(tests/integration/test_*.sh tests/deploy/test_*.sh tests/rules/test_*.sh tests/alertmanager/test_*.sh \
	tests/dashboard/test_*.sh tests/e2e/test_*.sh)
for t in "${scripts[@]}"; do
	[ -f "$t" ] || continue
	echo "== $t"
	out=$(mktemp)
	timeout 300 bash "$t" 2>&1 | tee "$out"
	status=${PIPESTATUS[0]}
	p=$(grep -c '^PASS' "$out")
	f=$(grep -c '^FAIL' "$out")
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $t exited $status"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ] || failed_scripts+=("$t")
	rm -f "$out"
done
[ ${#failed_scripts[@]} = 0 ] || echo "failed: ${failed_scripts[*]}"
echo "integration: $passed passed, $failed failed"
[ "$failed" = 0 ]
