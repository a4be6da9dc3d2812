#!/usr/bin/env bash
# End-to-end test: demo target -> fsprobe -> Prometheus (rules) ->
# Alertmanager -> webhook receivers, plus the dashboard queries.
#
# What runs (all on free 127.0.0.1 ports, all stopped by the EXIT trap):
#   * tests/e2e/webhook_receiver.py        logs which receiver got which alert
#   * prometheus-alertmanager              alerts/alertmanager.yml with the
#                                          webhook URLs pointed at the receiver
#   * build/featurestore                   demo target, 2 threads x 2000
#                                          lookups/s, 200 symbols, LRU cache
#                                          of only 30 entries -> ~63% hits
#   * build/fsprobe --pid PID --latency    attached before the load starts
#                                          (--latency: the latency histograms
#                                          the dashboard's latency panels use)
#   * prometheus                           scrape + rule evaluation every 1s
#
# Test-only changes, made on COPIES in a temp dir (the real files are not
# touched):
#   * rules: every `for:` is shortened so the test takes seconds, not
#     minutes - warnings to 0s, criticals to 15s. Warnings must fire first:
#     once a critical alert fires for job fsprobe, Alertmanager inhibits the
#     job's warnings, so a warning is only delivered if it fires before.
#     This also lets the test see the inhibition happen.
#   * alertmanager: webhook host:port -> the local receiver, group_wait 1s,
#     group_interval 2s.
#
# Checks:
#   1. featurestore:hit_ratio_5m (Prometheus) matches the target's own
#      ground truth (tally TOTAL hits/lookups) within 1 percentage point;
#      fsprobe's lookup rate matches the configured load within 10%.
#   2. FeatureStoreHitRatioLow (warning) reaches dev-data-oncall;
#      FeatureStoreHitRatioCritical and FeatureStoreErrorBudgetBurnHigh
#      (critical) reach platform-oncall; no alert reaches the wrong receiver;
#      afterwards the warning is inhibited in Alertmanager.
#   3. tests/dashboard/check_dashboard.py --prometheus --require-latency:
#      every dashboard query works and returns data, the latency panels
#      included (fsprobe runs with --latency here).
#   4. After the target exits (SIGTERM): fsprobe's final counters equal the
#      target's tally exactly and fsprobe_target_up is 0; fsprobe exits 0 on
#      SIGTERM.
#
# Needs root (uprobes/BPF), build/fsprobe and build/featurestore (make),
# prometheus, promtool, prometheus-alertmanager, python3, curl.
# Run from anywhere: bash tests/e2e/test_e2e.sh   (about 30 seconds)
# E2E_KEEP_TMP=1 keeps the temp dir (logs, configs, TSDB) for debugging.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 2

# Workload. Ratio ~0.63: below 0.95 (warning) and 0.80 (critical), miss
# ratio ~0.37 > 0.30 (6x burn -> critical), < 0.72 (14.4x burn stays quiet).
THREADS=2
RATE=2000            # per thread
SYMBOLS=200
CAPACITY=30
JOB=fsprobe

pass=0
fail=0
ok()   { echo "PASS: $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL: $*"; fail=$((fail + 1)); }
info() { echo "      $*"; }

tmp="$(mktemp -d /tmp/fsprobe-e2e.XXXXXX)"
pids=()           # everything we started, stopped in reverse order
fs_pid=""         # demo target
fp_pid=""         # fsprobe

stop_pid() { # pid [timeout-tenths]
  local p="$1" t="${2:-50}"
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 1 "$t"); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$p" 2>/dev/null; then
    kill -KILL "$p" 2>/dev/null
  fi
  wait "$p" 2>/dev/null
  return 0
}

show_logs() {
  for f in fs.err fsprobe.log prometheus.log alertmanager.log webhook.log; do
    [ -s "$tmp/$f" ] || continue
    echo "---- last lines of $f"
    tail -n 15 "$tmp/$f" | sed 's/^/    /'
  done
}

cleaned=0
cleanup() {
  [ "$cleaned" = 1 ] && return 0
  cleaned=1
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${pids[$i]}"
  done
  if [ "$fail" -gt 0 ]; then show_logs; fi
  if [ "${E2E_KEEP_TMP:-0}" = 1 ]; then
    echo "temp dir kept: $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop everything, then print the summary as the last line
finish() {
  cleanup
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}

# wait_until SECONDS COMMAND...   (polls every 0.5s)
wait_until() {
  local limit="$1"
  shift
  local end=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$end" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  "$@" >/dev/null 2>&1
}

# --- prerequisites -------------------------------------------------------------
missing=""
for b in prometheus promtool prometheus-alertmanager python3 curl; do
  command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
done
for b in build/fsprobe build/featurestore; do
  [ -x "$b" ] || missing="$missing $b(run make)"
done
if [ -n "$missing" ]; then
  bad "prerequisites missing:$missing"
  finish
fi
if [ "$(id -u)" -ne 0 ]; then
  bad "must run as root (fsprobe attaches uprobes)"
  finish
fi
ok "prerequisites present (root, prometheus, alertmanager, build/fsprobe, build/featurestore)"

read -r PROM_PORT AM_PORT HOOK_PORT FP_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()')
PROM="http://127.0.0.1:$PROM_PORT"
AM="http://127.0.0.1:$AM_PORT"
info "ports: prometheus $PROM_PORT, alertmanager $AM_PORT, webhook $HOOK_PORT, fsprobe $FP_PORT; tmp $tmp"

# --- test copies of the rules and the Alertmanager config ---------------------
mkdir -p "$tmp/rules"
if python3 - "$tmp/rules" alerts/*_rules.yml <<'EOF'
# Copy rule files, setting `for:` by severity: warning -> 0s, critical -> 15s.
import os, re, sys
out_dir, files = sys.argv[1], sys.argv[2:]
FOR = {"warning": "0s", "critical": "15s"}
for path in files:
    lines = open(path, encoding="utf-8").read().split("\n")
    # split into rule blocks at "- alert:" / "- record:" lines
    starts = [i for i, l in enumerate(lines) if re.match(r"\s*- (alert|record):", l)]
    starts.append(len(lines))
    for a, b in zip(starts, starts[1:]):
        block = lines[a:b]
        sev = None
        for l in block:
            m = re.match(r"\s*severity:\s*['\"]?(\w+)", l)
            if m:
                sev = m.group(1)
        for i in range(a, b):
            m = re.match(r"(\s*)for:\s*\S+\s*$", lines[i])
            if m:
                if sev not in FOR:
                    sys.exit("%s: alert without warning/critical severity" % path)
                lines[i] = "%sfor: %s  # shortened by tests/e2e/test_e2e.sh" % (m.group(1), FOR[sev])
    with open(os.path.join(out_dir, os.path.basename(path)), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
EOF
then
  if out="$(promtool check rules "$tmp"/rules/*.yml 2>&1)"; then
    ok "rule copies with shortened 'for' (warning 0s, critical 15s) pass promtool check rules"
  else
    echo "$out" | sed 's/^/    /'
    bad "rule copies do not pass promtool check rules"
    finish
  fi
else
  bad "could not make the test copies of the rule files"
  finish
fi

sed -e "s/127\.0\.0\.1:19095/127.0.0.1:${HOOK_PORT}/g" \
    -e "s/^\(  *\)group_wait: .*/\1group_wait: 1s/" \
    -e "s/^\(  *\)group_interval: .*/\1group_interval: 2s/" \
    alerts/alertmanager.yml > "$tmp/alertmanager.yml"
if grep -q "127.0.0.1:${HOOK_PORT}/dev-data-oncall" "$tmp/alertmanager.yml" \
   && grep -q "127.0.0.1:${HOOK_PORT}/platform-oncall" "$tmp/alertmanager.yml" \
   && amtool check-config "$tmp/alertmanager.yml" >/dev/null 2>&1; then
  ok "alertmanager config copy points both receivers at the local webhook"
else
  bad "alertmanager config copy (webhook URLs not rewritten or invalid)"
  finish
fi

cat > "$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
  # How a deployment points runbook_url at its own copy of the runbook.
  external_labels:
    runbook_base_url: https://runbooks.example.com/featurestore_slo
rule_files:
  - $tmp/rules/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$AM_PORT']
scrape_configs:
  - job_name: $JOB
    static_configs:
      - targets: ['127.0.0.1:$FP_PORT']
EOF

# --- start the pieces ------------------------------------------------------------
python3 "$here/webhook_receiver.py" --port "$HOOK_PORT" --log "$tmp/webhook.log" \
  > "$tmp/webhook.out" 2>&1 &
pids+=($!)
if wait_until 10 curl -sf "http://127.0.0.1:$HOOK_PORT/"; then
  ok "webhook receiver listening on 127.0.0.1:$HOOK_PORT"
else
  bad "webhook receiver did not start within 10s"; finish
fi

prometheus-alertmanager --config.file "$tmp/alertmanager.yml" --storage.path "$tmp/am" \
  --web.listen-address "127.0.0.1:$AM_PORT" --cluster.listen-address= \
  > "$tmp/alertmanager.log" 2>&1 &
pids+=($!)
if wait_until 15 curl -sf "$AM/-/ready"; then
  ok "alertmanager ready on $AM"
else
  bad "alertmanager not ready within 15s"; finish
fi

./build/featurestore --threads "$THREADS" --rate "$RATE" --symbols "$SYMBOLS" \
  --capacity "$CAPACITY" --tally "$tmp/tally" --report-interval 1 \
  --duration 300 --wait-start > "$tmp/fs.out" 2> "$tmp/fs.err" &
fs_pid=$!
pids+=("$fs_pid")
if wait_until 10 grep -q "^ready pid=" "$tmp/fs.out"; then
  ready_pid="$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$tmp/fs.out" | head -1)"
  ok "demo target waiting for SIGUSR1 (pid $ready_pid)"
else
  bad "demo target did not print 'ready pid=N' within 10s"; finish
fi

./build/fsprobe --pid "$ready_pid" --lookup feature_cache_lookup --miss compute_features \
  --key 'cstr(arg0)' --latency --web.listen-address "127.0.0.1:$FP_PORT" > "$tmp/fsprobe.log" 2>&1 &
fp_pid=$!
pids+=("$fp_pid")
attached() {
  curl -sf "http://127.0.0.1:$FP_PORT/metrics" > "$tmp/metrics.start" || return 1
  grep -q '^fsprobe_probe_attached{[^}]*role="lookup"[^}]*} 1$' "$tmp/metrics.start" &&
  grep -q '^fsprobe_probe_attached{[^}]*role="miss"[^}]*} 1$' "$tmp/metrics.start"
}
if wait_until 20 attached; then
  ok "fsprobe serves /metrics with both probes attached"
else
  bad "fsprobe did not report fsprobe_probe_attached 1 for lookup and miss within 20s"; finish
fi

prometheus --config.file "$tmp/prometheus.yml" --storage.tsdb.path "$tmp/prom" \
  --web.listen-address "127.0.0.1:$PROM_PORT" > "$tmp/prometheus.log" 2>&1 &
pids+=($!)
if wait_until 20 curl -sf "$PROM/-/ready"; then
  ok "prometheus ready on $PROM"
else
  bad "prometheus not ready within 20s"; finish
fi

# prom_value QUERY -> first sample value (empty if no data)
prom_value() {
  curl -sf --get "$PROM/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
has_value() { [ -n "$(prom_value "$1")" ]; }
if wait_until 15 has_value "up{job=\"$JOB\"} == 1"; then
  ok "prometheus scrapes fsprobe (up{job=\"$JOB\"} == 1)"
else
  bad "up{job=\"$JOB\"} is not 1 within 15s"; finish
fi

kill -USR1 "$ready_pid"
load_start=$SECONDS
info "load started: $THREADS threads x $RATE lookups/s, $SYMBOLS symbols, cache capacity $CAPACITY"

# --- 1. ratio vs ground truth -----------------------------------------------------
if ! wait_until 20 has_value "featurestore:hit_ratio_5m{job=\"$JOB\"}"; then
  bad "featurestore:hit_ratio_5m has no value 20s after the load started"; finish
fi
# let a few more scrapes land so both sides cover a stationary stretch
sleep 8

tally_total() { # prints "LOOKUPS HITS MISSES" of the current tally file
  awk '$1 == "TOTAL" { print $2, $3, $4 }' "$tmp/tally" 2>/dev/null
}
tally_ready() { [ -n "$(tally_total)" ]; }
rm -f "$tmp/tally"
kill -USR2 "$ready_pid"
wait_until 5 tally_ready
read -r t_lookups t_hits t_misses <<< "$(tally_total)"
prom_ratio="$(prom_value "featurestore:hit_ratio_5m{job=\"$JOB\"}")"
if [ -n "${t_lookups:-}" ] && [ "${t_lookups:-0}" -gt 0 ] && [ -n "$prom_ratio" ]; then
  if python3 - "$prom_ratio" "$t_hits" "$t_lookups" <<'EOF'
import sys
prom, hits, lookups = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
truth = hits / lookups
print("      featurestore:hit_ratio_5m = %.4f, tally TOTAL %d/%d = %.4f, diff %.2f pp"
      % (prom, hits, lookups, truth, abs(prom - truth) * 100))
sys.exit(0 if abs(prom - truth) <= 0.01 else 1)
EOF
  then
    ok "featurestore:hit_ratio_5m matches the target's ground truth within 1 pp"
  else
    bad "featurestore:hit_ratio_5m differs from the ground truth by more than 1 pp"
  fi
else
  bad "no ground truth (tally TOTAL '${t_lookups:-}') or no ratio from prometheus ('$prom_ratio')"
fi

lookup_rate="$(prom_value "sum(rate(featurestore_hits_total{job=\"$JOB\"}[10s])) + sum(rate(featurestore_misses_total{job=\"$JOB\"}[10s]))")"
if python3 -c "import sys; r=float(sys.argv[1] or 0); want=$THREADS*$RATE; print('      lookups/s seen by fsprobe: %.0f (configured %d)' % (r, want)); sys.exit(0 if abs(r-want) <= 0.1*want else 1)" "$lookup_rate"; then
  ok "lookup rate counted by fsprobe is within 10% of the configured load"
else
  bad "lookup rate counted by fsprobe ('$lookup_rate') is not within 10% of $((THREADS * RATE))/s"
fi

# --- 2. alerts travel to the right receivers ---------------------------------------
# delivered RECEIVER ALERTNAME -> a firing notification for it was logged
delivered() {
  awk -F'\t' -v r="$1" -v a="$2" '$1 == r && $3 == "firing" && $4 == a { found = 1 } END { exit !found }' \
    "$tmp/webhook.log"
}
if wait_until 30 delivered dev-data-oncall FeatureStoreHitRatioLow; then
  ok "warning FeatureStoreHitRatioLow delivered to dev-data-oncall ($((SECONDS - load_start))s after load start)"
else
  bad "warning FeatureStoreHitRatioLow not delivered to dev-data-oncall within 30s"
fi
if wait_until 45 delivered platform-oncall FeatureStoreHitRatioCritical; then
  ok "critical FeatureStoreHitRatioCritical delivered to platform-oncall ($((SECONDS - load_start))s after load start)"
else
  bad "critical FeatureStoreHitRatioCritical not delivered to platform-oncall within 45s"
fi
if wait_until 15 delivered platform-oncall FeatureStoreErrorBudgetBurnHigh; then
  ok "critical FeatureStoreErrorBudgetBurnHigh (6h & 30m > 6x) delivered to platform-oncall"
else
  bad "critical FeatureStoreErrorBudgetBurnHigh not delivered to platform-oncall"
fi
misrouted="$(awk -F'\t' '($1 == "dev-data-oncall" && $5 != "warning") || ($1 == "platform-oncall" && $5 != "critical") || ($1 != "dev-data-oncall" && $1 != "platform-oncall")' "$tmp/webhook.log")"
if [ -z "$misrouted" ]; then
  ok "no alert reached the wrong receiver ($(wc -l < "$tmp/webhook.log") alert lines logged)"
else
  bad "misrouted notifications:"
  echo "$misrouted" | sed 's/^/    /'
fi
awk -F'\t' '{ print $1 " <- " $3 " " $4 " severity=" $5 (($7 != "-") ? " symbol=" $7 : "") }' \
  "$tmp/webhook.log" | sort | uniq -c | sed 's/^ *\([0-9]*\) /      webhook: \1x /' | head -20

warning_inhibited() {
  curl -sf "$AM/api/v2/alerts?filter=alertname%3D%22FeatureStoreHitRatioLow%22" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)
sys.exit(0 if alerts and all(a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"] for a in alerts) else 1)'
}
if wait_until 15 warning_inhibited; then
  ok "Alertmanager inhibits FeatureStoreHitRatioLow while the critical alerts fire"
else
  bad "FeatureStoreHitRatioLow is not inhibited in Alertmanager"
fi

runbook_from_label() {
  curl -sf "$AM/api/v2/alerts?filter=alertname%3D%22FeatureStoreHitRatioCritical%22" | python3 -c '
import json, sys
alerts = json.load(sys.stdin)
want = "https://runbooks.example.com/featurestore_slo#featurestorehitratiocritical"
sys.exit(0 if alerts and all(a["annotations"].get("runbook_url") == want for a in alerts) else 1)'
}
if wait_until 15 runbook_from_label; then
  ok "runbook_url takes its address from the external label runbook_base_url"
else
  bad "runbook_url does not use the external label runbook_base_url"
fi

# --- 3. dashboard queries against the live Prometheus -------------------------------
if python3 "$root/tests/dashboard/check_dashboard.py" --prometheus "$PROM" --job "$JOB" \
     --rate-interval 1m --require-latency > "$tmp/dashboard_live.txt" 2>&1; then
  ok "dashboard: every panel query returns data, latency panels included ($(tail -1 "$tmp/dashboard_live.txt"))"
else
  grep -E '^(FAIL|      )' "$tmp/dashboard_live.txt" | sed 's/^/    /'
  bad "dashboard live check ($(tail -1 "$tmp/dashboard_live.txt"))"
fi

# --- 4. final counts, target exit, fsprobe exit ----------------------------------
rm -f "$tmp/tally"
stop_pid "$fs_pid" 100
read -r t_lookups t_hits t_misses <<< "$(tally_total)"
# fsprobe notices the exit within a moment; its counters no longer change
target_gone() {
  curl -sf "http://127.0.0.1:$FP_PORT/metrics" > "$tmp/metrics.end" &&
  grep -q '^fsprobe_target_up 0$' "$tmp/metrics.end"
}
wait_until 10 target_gone
if curl -sf "http://127.0.0.1:$FP_PORT/metrics" > "$tmp/metrics.end"; then
  read -r m_hits m_misses m_target_up <<< "$(awk '
    /^featurestore_hits_total\{/   { h += $NF }
    /^featurestore_misses_total\{/ { m += $NF }
    /^fsprobe_target_up /          { u = $NF }
    END { printf "%d %d %s\n", h, m, (u == "" ? "missing" : u) }' "$tmp/metrics.end")"
  info "tally TOTAL lookups=${t_lookups:-?} hits=${t_hits:-?} misses=${t_misses:-?}; fsprobe hits=$m_hits misses=$m_misses"
  if [ -n "${t_lookups:-}" ] && [ "$m_hits" = "$t_hits" ] && [ "$m_misses" = "$t_misses" ]; then
    ok "fsprobe counted exactly the target's hits and misses"
  else
    bad "fsprobe counts (hits $m_hits, misses $m_misses) differ from the tally (hits ${t_hits:-?}, misses ${t_misses:-?})"
  fi
  if [ "$m_target_up" = "0" ]; then
    ok "fsprobe_target_up is 0 after the target exited"
  else
    bad "fsprobe_target_up is '$m_target_up' 10s after the target exited (want 0)"
  fi
else
  bad "fsprobe /metrics not reachable after the target exited"
fi

kill -TERM "$fp_pid" 2>/dev/null
fp_rc=""
for _ in $(seq 1 100); do
  if ! kill -0 "$fp_pid" 2>/dev/null; then
    wait "$fp_pid"
    fp_rc=$?
    break
  fi
  sleep 0.1
done
if [ "$fp_rc" = "0" ]; then
  ok "fsprobe exited 0 on SIGTERM"
else
  bad "fsprobe did not exit 0 within 10s of SIGTERM (rc '${fp_rc:-still running}')"
fi

info "total runtime ${SECONDS}s"
finish
