#!/usr/bin/env bash
# Static checks of dashboards/featurestore_slo.json (dashboard-linter style
# rules: templated datasource and job, job=~"$job" in every selector,
# $__rate_interval in every range, counters only inside rate/irate/increase,
# units, titles and descriptions; PromQL syntax via promtool if installed).
# The live mode (queries against a running Prometheus) is exercised by
# tests/e2e/test_e2e.sh:  check_dashboard.py --prometheus URL
# Run from anywhere: bash tests/dashboard/test_dashboard.sh. Needs python3.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
status=0
for d in "$root"/dashboards/*.json; do
  echo "== $d"
  python3 "$here/check_dashboard.py" "$d" || status=1
done
exit $status
