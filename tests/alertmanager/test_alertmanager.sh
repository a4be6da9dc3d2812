#!/usr/bin/env bash
# Tests alerts/alertmanager.yml.
#
#  1. amtool check-config.
#  2. amtool config routes test, one assertion per routing case:
#     - every alert defined in alerts/*_rules.yml, with its own labels, goes
#       to dev-data-oncall (severity=warning) or platform-oncall
#       (severity=critical) and nowhere else;
#     - per-symbol alerts for several symbols go to dev-data-oncall;
#     - an alert without severity falls back to dev-data-oncall.
#  3. Live (a throw-away Alertmanager on a free loopback port, ~3 s), for
#     what amtool cannot check offline:
#     - per-symbol alerts of one job land in ONE alert group (group_by
#       without `symbol`);
#     - a critical alert inhibits the warnings of the same job, but not the
#       warnings of another job.
#     Skipped (reported as SKIP) if prometheus-alertmanager is not installed.
#
# Run from anywhere: bash tests/alertmanager/test_alertmanager.sh
# Needs: amtool + prometheus-alertmanager (Debian "prometheus-alertmanager"),
# python3, curl.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 2
cfg=alerts/alertmanager.yml

pass=0
fail=0
ok()  { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if ! command -v amtool >/dev/null 2>&1; then
  bad "amtool not found (apt-get install prometheus-alertmanager)"
  finish
fi

# --- 1. config syntax --------------------------------------------------------
if out="$(amtool check-config "$cfg" 2>&1)"; then
  ok "amtool check-config $cfg"
else
  echo "$out" | sed 's/^/    /'
  bad "amtool check-config $cfg"
  finish
fi

# --- 2. routing ----------------------------------------------------------------
# route_case EXPECTED_RECEIVER DESCRIPTION LABEL=VALUE...
route_case() {
  local want="$1" what="$2"
  shift 2
  local got
  got="$(amtool config routes test --config.file="$cfg" "$@" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')"
  if amtool config routes test --config.file="$cfg" --verify.receivers="$want" "$@" >/dev/null 2>&1; then
    ok "route: $what -> $want"
  else
    bad "route: $what -> expected $want, got '${got}'"
  fi
}

# Every alert from the rule files, with the static labels it carries.
# lint_rules.py's parser reads the rule files without PyYAML.
alert_lines="$(python3 -B - "$root" <<'EOF'
import glob, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "rules"))
from lint_rules import parse_alerts
for f in sorted(glob.glob(os.path.join(sys.argv[1], "alerts", "*_rules.yml"))):
    for a in parse_alerts(f):
        labels = dict(a["labels"])
        labels.setdefault("severity", "")
        print(" ".join(["alertname=" + a["name"], "job=fsprobe"] +
                       ["%s=%s" % kv for kv in sorted(labels.items())]))
EOF
)"
if [ -z "$alert_lines" ]; then
  bad "could not read any alert from alerts/*_rules.yml"
fi
n_alerts=0
while read -r line; do
  [ -z "$line" ] && continue
  n_alerts=$((n_alerts + 1))
  # shellcheck disable=SC2086
  set -- $line
  name="${1#alertname=}"
  sev=""
  for kv in "$@"; do case "$kv" in severity=*) sev="${kv#severity=}" ;; esac; done
  case "$sev" in
    warning)  route_case dev-data-oncall "$name (warning)" "$@" ;;
    critical) route_case platform-oncall "$name (critical)" "$@" ;;
    *)        bad "$name has no warning/critical severity label ('$sev')" ;;
  esac
done <<< "$alert_lines"
[ "$n_alerts" -gt 0 ] && ok "routing checked for $n_alerts alert rules"

route_case dev-data-oncall "per-symbol warning AAPL" \
  alertname=FeatureStoreSymbolHitRatioLow severity=warning job=fsprobe symbol=AAPL
route_case dev-data-oncall "per-symbol warning MSFT" \
  alertname=FeatureStoreSymbolHitRatioLow severity=warning job=fsprobe symbol=MSFT
route_case platform-oncall "critical from another job" \
  alertname=FeatureStoreHitRatioCritical severity=critical job=fsprobe-canary
route_case dev-data-oncall "alert without severity (default route)" \
  alertname=SomethingElse job=fsprobe

# --- 3. live: grouping and inhibition -------------------------------------------
am_bin="$(command -v prometheus-alertmanager || command -v alertmanager || true)"
if [ -z "$am_bin" ]; then
  echo "SKIP: live grouping/inhibition checks (prometheus-alertmanager not installed)"
  finish
fi

tmp="$(mktemp -d)"
am_pid=""
cleanup() {
  if [ -n "$am_pid" ]; then
    kill "$am_pid" 2>/dev/null
    wait "$am_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
am_port="$(free_port)"
hook_port="$(free_port)"   # nothing listens there; notifications are not under test here
sed "s/127\.0\.0\.1:19095/127.0.0.1:${hook_port}/g" "$cfg" > "$tmp/alertmanager.yml"

"$am_bin" --config.file="$tmp/alertmanager.yml" --storage.path="$tmp/data" \
  --web.listen-address="127.0.0.1:${am_port}" --cluster.listen-address= \
  > "$tmp/am.log" 2>&1 &
am_pid=$!
am="http://127.0.0.1:${am_port}"

ready=0
for _ in $(seq 1 100); do
  if curl -sf "$am/-/ready" >/dev/null 2>&1; then ready=1; break; fi
  if ! kill -0 "$am_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  sed 's/^/    /' "$tmp/am.log" | tail -20
  bad "Alertmanager did not become ready within 10 s on $am"
  finish
fi
ok "Alertmanager started on $am"

# post_alerts JSON-ARRAY
post_alerts() {
  curl -sf -X POST -H 'Content-Type: application/json' --data "$1" "$am/api/v2/alerts" >/dev/null
}
alert_json() { # alertname severity job [symbol]
  local sym=""
  [ -n "${4:-}" ] && sym=",\"symbol\":\"$4\""
  printf '{"labels":{"alertname":"%s","severity":"%s","job":"%s"%s},"annotations":{"summary":"test"}}' \
    "$1" "$2" "$3" "$sym"
}

# Grouping: three per-symbol warnings of job fsprobe -> one group.
if post_alerts "[$(alert_json FeatureStoreSymbolHitRatioLow warning fsprobe AAPL),$(alert_json FeatureStoreSymbolHitRatioLow warning fsprobe MSFT),$(alert_json FeatureStoreSymbolHitRatioLow warning fsprobe TSLA)]"; then
  ok "posted 3 per-symbol alerts"
else
  bad "posting per-symbol alerts to $am/api/v2/alerts"
fi

check_groups() {
  curl -sf "$am/api/v2/alerts/groups" | python3 -c '
import json, sys
groups = json.load(sys.stdin)
sym = [g for g in groups
       if any(a["labels"].get("alertname") == "FeatureStoreSymbolHitRatioLow" for a in g["alerts"])]
if len(sym) != 1:
    print("expected 1 group with the per-symbol alerts, found %d" % len(sym)); sys.exit(1)
g = sym[0]
symbols = sorted(a["labels"]["symbol"] for a in g["alerts"])
if symbols != ["AAPL", "MSFT", "TSLA"]:
    print("group holds symbols %s" % symbols); sys.exit(1)
if "symbol" in g["labels"]:
    print("group labels contain symbol: %s" % g["labels"]); sys.exit(1)
if g["receiver"]["name"] != "dev-data-oncall":
    print("group receiver %s" % g["receiver"]["name"]); sys.exit(1)
print("1 group %s -> %s with symbols %s" % (g["labels"], g["receiver"]["name"], ",".join(symbols)))
'
}
grouped=0
for _ in $(seq 1 30); do
  if msg="$(check_groups 2>&1)"; then grouped=1; break; fi
  sleep 0.1
done
if [ "$grouped" -eq 1 ]; then
  ok "per-symbol alerts grouped into one notification: $msg"
else
  bad "per-symbol grouping: $msg"
fi

# Inhibition: critical for job fsprobe mutes the warnings of job fsprobe,
# not the warning of job fsprobe-canary.
post_alerts "[$(alert_json FeatureStoreHitRatioLow warning fsprobe),$(alert_json FeatureStoreHitRatioLow warning fsprobe-canary),$(alert_json FeatureStoreHitRatioCritical critical fsprobe)]" \
  || bad "posting inhibition alerts"

check_inhibition() {
  curl -sf "$am/api/v2/alerts" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)
def state(name, job, symbol=None):
    for a in alerts:
        l = a["labels"]
        if l.get("alertname") == name and l.get("job") == job and l.get("symbol") == symbol:
            return a["status"]["state"], a["status"].get("inhibitedBy") or []
    return None, []
errors = []
for name, job, sym, want in [
        ("FeatureStoreHitRatioLow", "fsprobe", None, "suppressed"),
        ("FeatureStoreSymbolHitRatioLow", "fsprobe", "AAPL", "suppressed"),
        ("FeatureStoreHitRatioLow", "fsprobe-canary", None, "active"),
        ("FeatureStoreHitRatioCritical", "fsprobe", None, "active")]:
    st, by = state(name, job, sym)
    if st != want or (want == "suppressed" and not by):
        errors.append("%s{job=%s%s} is %s (inhibitedBy %s), want %s" % (
            name, job, ",symbol=" + sym if sym else "", st, by, want))
if errors:
    print("; ".join(errors)); sys.exit(1)
print("warnings of job fsprobe inhibited, fsprobe-canary warning and the critical active")
'
}
inhibited=0
for _ in $(seq 1 30); do
  if msg="$(check_inhibition 2>&1)"; then inhibited=1; break; fi
  sleep 0.1
done
if [ "$inhibited" -eq 1 ]; then
  ok "inhibition: $msg"
else
  bad "inhibition: $msg"
fi

finish
