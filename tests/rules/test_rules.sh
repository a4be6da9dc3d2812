#!/usr/bin/env bash
# Validates the Prometheus rules in alerts/:
#   1. promtool check rules   - syntax, PromQL, templates
#   2. promtool test rules    - unit tests in tests/rules/*_test.yml
#   3. lint_rules.py          - severity/summary/description/runbook_url on
#                               every alert, runbook anchors exist, every alert
#                               has a firing and a quiet test case, PromQL in
#                               the runbook parses
#   4. deployment examples    - promtool check config docs/deployment/prometheus.yml;
#                               YAML syntax of docs/deployment/kubernetes/*
#                               (needs PyYAML, else SKIP); systemd-analyze
#                               verify of fsprobe.service (if installed, else SKIP)
# Run from anywhere: bash tests/rules/test_rules.sh. Exit 0 only if all pass.
# Needs: promtool (Debian package "prometheus"), python3.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 2

pass=0
fail=0
ok()  { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL: promtool not found (apt-get install prometheus)"
  echo "0 passed, 1 failed"
  exit 1
fi

shopt -s nullglob
rule_files=(alerts/*_rules.yml)
test_files=(tests/rules/*_test.yml)
shopt -u nullglob

if [ ${#rule_files[@]} -eq 0 ]; then bad "no rule files in alerts/"; fi
if [ ${#test_files[@]} -eq 0 ]; then bad "no test files in tests/rules/"; fi

for f in "${rule_files[@]}"; do
  if out="$(promtool check rules "$f" 2>&1)"; then
    ok "promtool check rules $f ($(echo "$out" | grep -o '[0-9]* rules found' | head -1))"
  else
    echo "$out" | sed 's/^/    /'
    bad "promtool check rules $f"
  fi
done

for f in "${test_files[@]}"; do
  if out="$(promtool test rules "$f" 2>&1)"; then
    ok "promtool test rules $f"
  else
    echo "$out" | sed 's/^/    /'
    bad "promtool test rules $f"
  fi
done

# lint_rules.py prints its own PASS/FAIL line per alert; count them here.
lint_out="$(python3 "$here/lint_rules.py" "$root" 2>&1)"
lint_rc=$?
while IFS= read -r line; do
  case "$line" in
    PASS:*) ok "${line#PASS: }" ;;
    FAIL:*) bad "${line#FAIL: }" ;;
    lint_rules:*) ;;
    *) echo "$line" ;;
  esac
done <<< "$lint_out"
if [ "$lint_rc" -ne 0 ] && ! grep -q '^FAIL' <<< "$lint_out"; then
  bad "lint_rules.py exited $lint_rc"
fi

# --- deployment examples -----------------------------------------------------
if out="$(promtool check config docs/deployment/prometheus.yml 2>&1)"; then
  ok "promtool check config docs/deployment/prometheus.yml"
else
  echo "$out" | sed 's/^/    /'
  bad "promtool check config docs/deployment/prometheus.yml"
fi

# YAML syntax only (Debian's promtool is built without Kubernetes service
# discovery and there is no cluster to dry-run against).
yaml_py=""
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import yaml' 2>/dev/null; then yaml_py="$py"; break; fi
done
shopt -s nullglob
k8s_files=(docs/deployment/kubernetes/*.yaml docs/deployment/kubernetes/*.yml)
shopt -u nullglob
if [ -z "$yaml_py" ]; then
  echo "SKIP: YAML syntax of ${k8s_files[*]} (PyYAML not installed: apt-get install python3-yaml)"
else
  for f in "${k8s_files[@]}"; do
    if out="$("$yaml_py" -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
kinds = [d.get("kind", "prometheus config") for d in docs]
assert docs, "empty"
for d in docs:
    if "kind" in d:
        assert d.get("apiVersion") and d.get("metadata", {}).get("name"), "apiVersion/metadata.name missing"
print(", ".join(kinds))' "$f" 2>&1)"; then
      ok "YAML syntax $f ($out)"
    else
      echo "$out" | tail -3 | sed 's/^/    /'
      bad "YAML syntax $f"
    fi
  done
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  # verify a copy whose ExecStart binary exists here (the real path is
  # /usr/sbin/fsprobe on the target host, from the package or make install
  # prefix=/usr), without its man page, which the package installs
  # (tests/integration/test_deb.sh verifies the installed unit as it is)
  unit_tmp="$(mktemp -d)"
  sed "s|^ExecStart=/usr/sbin/fsprobe|ExecStart=/bin/true|" docs/deployment/fsprobe.service \
    > "$unit_tmp/fsprobe.service"
  if out="$(cd "$unit_tmp" && systemd-analyze verify --man=no ./fsprobe.service 2>&1)" && [ -z "$out" ]; then
    ok "systemd-analyze verify docs/deployment/fsprobe.service"
  else
    echo "$out" | sed 's/^/    /'
    bad "systemd-analyze verify docs/deployment/fsprobe.service"
  fi
  rm -rf "$unit_tmp"
else
  echo "SKIP: systemd-analyze verify (systemd not installed)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
