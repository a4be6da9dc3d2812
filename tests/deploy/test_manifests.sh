#!/usr/bin/env bash
# The Kubernetes manifests in docs/deployment/kubernetes/, offline:
#   - every object is valid, strictly (unknown fields rejected), against the Kubernetes API
#     schemas and the prometheus-operator CRD schemas (validate.js; the npm packages are pinned
#     in tests/deploy/package-lock.json, installed with `npm ci` when node_modules is missing);
#   - mutated copies are not: hostPid for hostPID, a misspelt PodMonitor and PrometheusRule key;
#   - the DaemonSet's commented least-privilege securityContext is valid once uncommented;
#   - prometheusrule.yaml is what gen-prometheusrule.py makes of alerts/*_rules.yml (drift);
#   - the ConfigMap, the DaemonSet and the Containerfile agree (paths mounted, port, CMD).
# Needs node and npm (make deps), python3 with PyYAML.
. "$(dirname "$0")/../lib.sh"
K8S=$ROOT/docs/deployment/kubernetes
DEPLOY=$ROOT/tests/deploy

for c in node npm python3; do
	command -v "$c" >/dev/null || { fail "$c is installed" "make deps"; finish; }
done
if [ ! -d "$DEPLOY/node_modules" ]; then
	npm ci --prefix "$DEPLOY" --no-audit --no-fund >"$TMP/npm.log" 2>&1 ||
		{ fail "npm ci --prefix tests/deploy" "$(tail -3 "$TMP/npm.log")"; finish; }
fi
# npm ls fails when node_modules does not match package-lock.json.
check "validator packages as pinned: $(cd "$DEPLOY" && npm ls --depth=0 2>/dev/null |
	grep -o '[@a-z/-]*@[0-9][0-9.]*' | tr '\n' ' ')" \
	bash -c "cd '$DEPLOY' && npm ls --depth=0 >/dev/null 2>&1"

# to_json OUT FILE...: every YAML document as {"where", "object"} (PyYAML reads YAML 1.1, as
# Kubernetes' sigs.k8s.io/yaml does).
to_json() {
	local out=$1
	shift
	python3 - "$ROOT" "$@" >"$out" <<'PY'
import json, os, sys, yaml
root, out = sys.argv[1], []
for f in sys.argv[2:]:
    for i, d in enumerate(yaml.safe_load_all(open(f)), 1):
        if d is not None:
            rel = os.path.relpath(f, root)
            out.append({"where": "%s#%d" % (os.path.basename(f) if rel.startswith("..") else rel, i),
                        "object": d})
print(json.dumps(out))
PY
}

# validate JSON: validate.js's PASS/FAIL lines counted here.
validate() {
	local line
	node "$DEPLOY/validate.js" <"$1" >"$TMP/v.out" 2>&1
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "schema: ${line#PASS }" ;;
		FAIL\ *) fail "schema: ${line#FAIL }" ;;
		*) fail "validate.js" "$line" ;;
		esac
	done <"$TMP/v.out"
}

manifests=("$K8S"/*.yaml)
to_json "$TMP/all.json" "${manifests[@]}"
check "${#manifests[@]} manifest files hold $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
	"$TMP/all.json") objects" test -s "$TMP/all.json"
validate "$TMP/all.json"

# rejects NAME PATTERN PYTHON: a copy of the objects changed by PYTHON (o is the list) fails,
# with PATTERN in the message.
rejects() {
	local name=$1 pattern=$2
	python3 -c "import json, sys
o = json.load(open(sys.argv[1]))
$3
json.dump(o, open(sys.argv[2], 'w'))" "$TMP/all.json" "$TMP/bad.json" || { fail "$name" "mutation failed"; return; }
	if node "$DEPLOY/validate.js" <"$TMP/bad.json" >"$TMP/bad.out" 2>&1; then
		fail "$name" "the mutated copy validates"
	elif grep -q "$pattern" "$TMP/bad.out"; then
		pass "$name: $(grep "$pattern" "$TMP/bad.out" | head -1 | sed 's/^FAIL [^ ]*: //' | cut -c1-140)"
	else
		fail "$name" "fails, but not for $pattern: $(grep FAIL "$TMP/bad.out" | head -2)"
	fi
}
by_kind='def kind(k): return next(x["object"] for x in o if x["object"]["kind"] == k)'
rejects "strict: hostPid instead of hostPID is rejected" "'hostPid'" "$by_kind
s = kind('DaemonSet')['spec']['template']['spec']; s['hostPid'] = s.pop('hostPID')"
rejects "strict: an unknown container securityContext key is rejected" "'privilegd'" "$by_kind
c = kind('DaemonSet')['spec']['template']['spec']['containers'][0]['securityContext']
c['privilegd'] = c.pop('privileged')"
rejects "types: hostPID: \"true\" (a string) is rejected" "hostPID must be boolean" "$by_kind
kind('DaemonSet')['spec']['template']['spec']['hostPID'] = 'true'"
rejects "CRD strict: PodMonitor podMetricEndpoints (misspelt) is rejected" "'podMetricEndpoints'" "$by_kind
s = kind('PodMonitor')['spec']; s['podMetricEndpoints'] = s.pop('podMetricsEndpoints')"
rejects "CRD strict: PrometheusRule rule 'expresion' (misspelt) is rejected" "'expresion'" "$by_kind
r = kind('PrometheusRule')['spec']['groups'][0]['rules'][0]; r['expresion'] = r.pop('expr')"

# The documented alternative to privileged: true, uncommented.
python3 - "$K8S/daemonset.yaml" >"$TMP/daemonset-caps.yaml" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    if re.match(r"\s*privileged: true\s*$", line):
        continue
    sys.stdout.write(re.sub(r"^(\s*)# (privileged: false|allowPrivilegeEscalation: false|"
                            r"capabilities:|  drop: .*|  add: .*)$", r"\1\2", line))
PY
if caps=$(python3 - "$TMP/daemonset-caps.yaml" 2>&1 <<'PY'
import sys, yaml
sc = yaml.safe_load(open(sys.argv[1]))["spec"]["template"]["spec"]["containers"][0]["securityContext"]
assert sc["privileged"] is False and sc["capabilities"]["drop"] == ["ALL"], sc
print(" ".join(sc["capabilities"]["add"]))
PY
); then
	pass "least-privilege securityContext uncomments to privileged: false, drop ALL, add $caps"
else
	fail "least-privilege securityContext uncomments" "$caps"
fi
to_json "$TMP/caps.json" "$TMP/daemonset-caps.yaml"
validate "$TMP/caps.json"

if out=$(python3 "$K8S/gen-prometheusrule.py" --check 2>&1); then
	pass "prometheusrule.yaml equals gen-prometheusrule.py's output from alerts/*_rules.yml"
else
	fail "prometheusrule.yaml is stale: run docs/deployment/kubernetes/gen-prometheusrule.py" \
		"$(echo "$out" | head -8 | tr '\n' ' ')"
fi

# The pieces agree with each other.
python3 - "$K8S" "$ROOT/Containerfile" >"$TMP/agree.out" 2>&1 <<'PY'
import json, os, re, sys, yaml
k8s, containerfile = sys.argv[1], sys.argv[2]
load = lambda f: yaml.safe_load(open(os.path.join(k8s, f)))
ds, cm = load("daemonset.yaml"), load("configmap.yaml")
pod = ds["spec"]["template"]["spec"]
c = pod["containers"][0]
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
host = {p: vols[m["name"]].get("hostPath", {}).get("path") for p, m in mounts.items()}
def ok(cond, what):
    print(("PASS " if cond else "FAIL ") + what)
cmd = re.search(r"^CMD\s+(\[.*\])\s*$", open(containerfile).read(), re.M)
ok(cmd and json.loads(cmd.group(1)) == c["args"], "DaemonSet args %s are the image's CMD" % c["args"])
cfg_path = c["args"][c["args"].index("--config") + 1]
cfg_mount = mounts.get(os.path.dirname(cfg_path))
ok(cfg_mount and vols[cfg_mount["name"]].get("configMap", {}).get("name") == cm["metadata"]["name"]
   and os.path.basename(cfg_path) in cm["data"],
   "--config %s is the ConfigMap %s mounted" % (cfg_path, cm["metadata"]["name"]))
cfg = yaml.safe_load(cm["data"]["config.yaml"])
ok(host.get(cfg["metadata"]["proc"]) == "/proc", "metadata.proc %s is the host's /proc" % cfg["metadata"]["proc"])
logs = cfg["metadata"]["containers_log_dir"]
ok(host.get(logs) == logs and host.get("/var/log/pods") == "/var/log/pods",
   "%s and /var/log/pods (its symlinks' targets) are the host's" % logs)
ok(all(m.get("readOnly") for m in c["volumeMounts"]), "every volume is mounted read-only")
port = int(cfg["web"]["listen_address"].rsplit(":", 1)[1])
ok(port == c["ports"][0]["containerPort"] == int(ds["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]),
   "listen port %d = containerPort = prometheus.io/port" % port)
ok(pod["hostPID"] is True and pod["nodeSelector"] == {"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
   and pod["tolerations"] == [{"operator": "Exists"}], "hostPID, linux/amd64 nodes, every taint tolerated")
ok(c["securityContext"].get("readOnlyRootFilesystem") is True, "read-only root filesystem")
PY
while IFS= read -r line; do
	case $line in
	PASS\ *) pass "${line#PASS }" ;;
	FAIL\ *) fail "${line#FAIL }" ;;
	*) fail "consistency check" "$line" ;;
	esac
done <"$TMP/agree.out"

check "no TODO or 'first cut' left in the manifests" \
	bash -c "! grep -n -i -E 'TODO|first cut' '$K8S'/*.yaml"
finish
