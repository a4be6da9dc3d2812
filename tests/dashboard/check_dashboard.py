#!/usr/bin/env python3
"""Checks a Grafana dashboard JSON against dashboard-linter style rules and,
optionally, runs its queries against a live Prometheus.

Static mode (default):
    check_dashboard.py [DASHBOARD.json]
  * a `datasource` template variable (type datasource, query prometheus,
    label "Data source") and a `job` variable (type query, datasource
    ${datasource}, label "Job", multi, include-all with allValue ".+",
    refreshed on time-range change), and a `pod` variable (label_values of
    k8s_pod_name within $job, multi, include-all with allValue ".*" so that series
    without the label match too);
  * a panel aggregates by k8s_pod_name, and every k8s_pod_name matcher is
    k8s_pod_name=~"$pod";
  * every panel (rows included) has a title and a description;
  * every non-row panel uses the templated datasource (panel and target),
    has at least one target with a PromQL expr, and a valid unit;
  * every vector selector in every expr has the matcher job=~"$job";
  * every range selector is [$__rate_interval] (so every rate/increase uses
    it);
  * counters (*_total, and histogram *_bucket/_count/_sum) only appear as the
    direct argument of rate(), irate() or increase();
  * unique panel ids, unique refIds per panel, gridPos present;
  * PromQL syntax: if promtool is installed, every expr (with the Grafana
    variables substituted) must pass `promtool check rules`.

Live mode:
    check_dashboard.py [DASHBOARD.json] --prometheus URL [--job JOB]
                       [--rate-interval 1m] [--require-latency]
  Substitutes $job -> JOB (default fsprobe), $pod -> .* (All), $__rate_interval -> the given
  interval, runs every target's expr as an instant query against
  URL/api/v1/query and fails if a query errors or returns no data (the two
  latency panels may be empty unless --require-latency is given: their
  histograms only exist when fsprobe runs with --latency). Also checks that
  the job variable's label_values() query yields JOB.

Python 3 standard library only. Exit status 0 = no violations.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "..", "dashboards", "featurestore_slo.json")

# Panels whose queries may legitimately return nothing in the live check:
# the latency histograms featurestore_lookup_duration_seconds and
# featurestore_miss_duration_seconds only exist when fsprobe runs with
# --latency (off by default: it costs a return probe per miss and ~40 ns per
# lookup). Their queries must still be accepted by Prometheus (no error).
# --require-latency makes them required too (the e2e test runs fsprobe with
# --latency and uses it).
EXPECTED_NO_DATA = {
    "Lookup latency (p50 / p99)":
        "featurestore_lookup_duration_seconds is only exported with fsprobe --latency",
    "Miss penalty (p50 / p99)":
        "featurestore_miss_duration_seconds is only exported with fsprobe --latency",
}

# Units Grafana knows (subset of grafana-data's valueFormats categories).
VALID_UNITS = {
    "none", "short", "percent", "percentunit", "sci", "locale",
    "bool", "bool_yes_no", "bool_on_off",
    "bytes", "decbytes", "bits", "decbits", "kbytes", "mbytes", "gbytes",
    "Bps", "bps", "binBps", "binbps",
    "ns", "µs", "us", "ms", "s", "m", "h", "d", "dtdurationms", "dtdurations",
    "hertz", "cps", "ops", "reqps", "rps", "wps", "iops", "cpm", "opm", "rpm", "wpm",
    "dateTimeAsIso", "dateTimeFromNow",
}

RANGE_FUNCS = {"rate", "irate", "increase"}
COUNTER_SUFFIXES = ("_total", "_bucket", "_count", "_sum")
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
AGGREGATORS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
               "count_values", "bottomk", "topk", "quantile"}
JOB_MATCHER = ("job", "=~", "$job")
POD_MATCHER = ("k8s_pod_name", "=~", "$pod")
RATE_INTERVAL = "$__rate_interval"


# --------------------------------------------------------------------------
# A small PromQL lexer/walker: enough to find vector selectors, their label
# matchers, their range and the function they are passed to.
# --------------------------------------------------------------------------
TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<number>(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+))
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
  | (?P<op>=~|!~|!=|==|<=|>=|[-+*/%^<>=,(){}])
""", re.X)


def tokenize(expr):
    pos = 0
    out = []
    while pos < len(expr):
        m = TOKEN_RE.match(expr, pos)
        if not m:
            raise ValueError("cannot tokenize at %r" % expr[pos:pos + 20])
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        out.append((kind, m.group(kind)))
    return out


def unquote(s):
    if s[0] == "`":
        return s[1:-1]
    esc = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: esc.get(m.group(1), m.group(1)), s[1:-1])


def analyze(expr):
    """Return (selectors, errors). Each selector is a dict with name,
    matchers [(label, op, value)], range (str or None), func (enclosing
    call name or None)."""
    toks = tokenize(expr)
    errors = []
    selectors = []
    stack = []          # paren contexts: ("call", name) / ("labels",) / ("group",)
    i = 0
    n = len(toks)

    def enclosing_call():
        if stack and stack[-1][0] == "call":
            return stack[-1][1]
        return None

    def read_matchers(j):
        """toks[j] is '{'; returns (matchers, index after '}')."""
        matchers = []
        j += 1
        while j < n and toks[j][1] != "}":
            if toks[j][1] == ",":
                j += 1
                continue
            if j + 2 < n and toks[j][0] == "ident" and toks[j + 1][0] == "op" \
                    and toks[j + 2][0] == "string":
                matchers.append((toks[j][1], toks[j + 1][1], unquote(toks[j + 2][1])))
                j += 3
                continue
            errors.append("bad label matcher near %r" % (toks[j][1],))
            j += 1
        if j >= n:
            errors.append("unclosed '{'")
        return matchers, j + 1

    while i < n:
        kind, val = toks[i]
        nxt = toks[i + 1][1] if i + 1 < n else None
        if kind == "ident" and val not in KEYWORDS and nxt == "(" \
                and not (stack and stack[-1][0] == "labels"):
            stack.append(("call", val))
            i += 2
            continue
        if kind == "ident" and val in AGGREGATORS and nxt in ("by", "without") \
                and not (stack and stack[-1][0] == "labels"):
            # "sum by (a, b) (" : skip the label list, then the call itself
            j = i + 2
            if j < n and toks[j][1] == "(":
                while j < n and toks[j][1] != ")":
                    j += 1
                j += 1
            if j < n and toks[j][1] == "(":
                stack.append(("call", val))
                i = j + 1
                continue
            errors.append("cannot parse aggregation %s %s" % (val, nxt))
            i += 2
            continue
        if kind == "ident" and val in LABEL_LIST_KEYWORDS:
            if nxt == "(":
                stack.append(("labels",))
                i += 2
                continue
            i += 1
            continue
        if kind == "ident" and (val in KEYWORDS or (stack and stack[-1][0] == "labels")):
            i += 1
            continue
        if kind == "ident" or (kind == "op" and val == "{"):
            # a vector selector: NAME, NAME{...} or {...}
            name = val if kind == "ident" else None
            j = i + 1 if kind == "ident" else i
            matchers = []
            if j < n and toks[j][1] == "{":
                matchers, j = read_matchers(j)
            rng = None
            if j < n and toks[j][0] == "range":
                rng = toks[j][1][1:-1].strip()
                j += 1
            if name is None:
                for lab, op, v in matchers:
                    if lab == "__name__" and op == "=":
                        name = v
            selectors.append({"name": name, "matchers": matchers, "range": rng,
                              "func": enclosing_call()})
            i = j
            continue
        if kind == "range":
            errors.append("range %s not attached to a selector (subquery?)" % val)
            i += 1
            continue
        if val == "(":
            stack.append(("group",))
        elif val == ")":
            if not stack:
                errors.append("unbalanced ')'")
            else:
                stack.pop()
        elif val == "}":
            errors.append("unbalanced '}'")
        i += 1
    if stack:
        errors.append("unbalanced '('")
    return selectors, errors


# --------------------------------------------------------------------------
def iter_panels(panels):
    for p in panels or []:
        yield p
        if p.get("type") == "row":
            for sub in p.get("panels") or []:
                yield sub


def ds_uid(ds):
    if isinstance(ds, dict):
        return ds.get("uid"), ds.get("type")
    if isinstance(ds, str):
        return ds, None
    return None, None


def substitute(expr, job, rate_interval):
    job_re = re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\\\1", job)
    expr = expr.replace("${job}", job_re).replace("$job", job_re)
    # The pod variable's All: every pod, and series without one.
    expr = expr.replace("${pod}", ".*").replace("$pod", ".*")
    expr = expr.replace("${__rate_interval}", rate_interval).replace(RATE_INTERVAL, rate_interval)
    expr = expr.replace("${__interval}", rate_interval).replace("$__interval", rate_interval)
    expr = expr.replace("${__range}", "1h").replace("$__range", "1h")
    return expr


class Report:
    """Counts checks. Outside a group every check prints a PASS/FAIL line;
    inside a group (one panel) failures print at once and the group prints
    one PASS line at its end if all of its checks passed."""

    def __init__(self):
        self.passed = 0
        self.failed = []
        self.group = None

    def check(self, ok, what):
        if ok:
            self.passed += 1
            if self.group is None:
                print("PASS: " + what)
        else:
            self.failed.append(what)
            print("FAIL: " + what)
            if self.group is not None:
                self.group["failed"] += 1
        if self.group is not None:
            self.group["checks"] += 1
        return ok

    def begin(self, name):
        self.group = {"name": name, "checks": 0, "failed": 0}

    def end(self, detail=""):
        g, self.group = self.group, None
        if g and g["failed"] == 0:
            print("PASS: %s (%d checks%s)" % (g["name"], g["checks"], detail))


def static_checks(dash, rep):
    print("== static checks ==")
    tmpl = (dash.get("templating") or {}).get("list") or []
    by_name = {t.get("name"): t for t in tmpl}

    dss = [t for t in tmpl if t.get("type") == "datasource"]
    rep.check(len(dss) == 1, "exactly one datasource template variable (found %d)" % len(dss))
    ds = by_name.get("datasource")
    rep.check(ds is not None and ds.get("type") == "datasource",
              "template variable 'datasource' of type datasource")
    if ds:
        rep.check(ds.get("query") == "prometheus", "datasource variable queries 'prometheus'")
        rep.check(ds.get("label") == "Data source", "datasource variable labeled 'Data source'")

    job = by_name.get("job")
    rep.check(job is not None, "template variable 'job' exists")
    if job:
        uid, _ = ds_uid(job.get("datasource"))
        rep.check(uid in ("$datasource", "${datasource}"), "job variable uses ${datasource} (got %r)" % uid)
        rep.check(job.get("type") == "query", "job variable is a query variable")
        rep.check(job.get("label") == "Job", "job variable labeled 'Job'")
        rep.check(job.get("multi") is True, "job variable is multi-select")
        rep.check(job.get("includeAll") is True, "job variable has 'All'")
        rep.check(job.get("allValue") == ".+", "job variable allValue is '.+'")
        rep.check(job.get("refresh") == 2, "job variable refreshes on time range change (refresh=2)")
        q = job.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        rep.check(bool(q) and q.startswith("label_values("), "job variable uses label_values(): %r" % q)

    pod = by_name.get("pod")
    rep.check(pod is not None, "template variable 'pod' exists")
    if pod:
        uid, _ = ds_uid(pod.get("datasource"))
        q = pod.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        rep.check(uid in ("$datasource", "${datasource}") and pod.get("type") == "query"
                  and pod.get("label") == "Pod" and pod.get("refresh") == 2,
                  "pod variable: a query variable labeled 'Pod' on ${datasource}, refresh=2")
        rep.check(pod.get("multi") is True and pod.get("includeAll") is True,
                  "pod variable is multi-select with 'All'")
        # .* and not .+: with All, series without the label (host installs) still match.
        rep.check(pod.get("allValue") == ".*", "pod variable allValue is '.*' (got %r)" % pod.get("allValue"))
        rep.check(bool(re.match(r'label_values\(.*job=~"\$job".*,\s*k8s_pod_name\)$', q or "")),
                  "pod variable is label_values(..., k8s_pod_name) within $job: %r" % q)

    panels = list(iter_panels(dash.get("panels")))
    rep.check(len(panels) > 0, "dashboard has panels")
    per_pod = [p.get("title") for p in panels
               if any(re.search(r"by \([^)]*\bk8s_pod_name\b", t.get("expr") or "")
                      for t in p.get("targets") or [])]
    rep.check(bool(per_pod), "a panel aggregates by k8s_pod_name: %s" % per_pod)
    ids = [p.get("id") for p in panels]
    rep.check(len(ids) == len(set(ids)) and None not in ids, "panel ids are unique")

    exprs = []
    for p in panels:
        title = p.get("title") or ""
        where = "panel %r" % (title or p.get("id"))
        rep.begin(where)
        panel_checks(p, where, title, exprs, rep)
        rep.end(", unit %s" % ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
                if p.get("type") != "row" else ", row")
    print("checked %d panels, %d queries" % (len(panels), len(exprs)))
    promql_syntax(exprs, rep)


def panel_checks(p, where, title, exprs, rep):
    rep.check(bool(title.strip()), "%s has a title" % where)
    rep.check(bool((p.get("description") or "").strip()), "%s has a description" % where)
    rep.check(isinstance(p.get("gridPos"), dict), "%s has a gridPos" % where)
    if p.get("type") == "row":
        return
    uid, typ = ds_uid(p.get("datasource"))
    rep.check(uid in ("$datasource", "${datasource}") and typ in (None, "prometheus"),
              "%s uses the templated datasource (got %r)" % (where, p.get("datasource")))
    unit = ((p.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
    rep.check(unit in VALID_UNITS, "%s has a valid unit (got %r)" % (where, unit))
    targets = p.get("targets") or []
    rep.check(len(targets) > 0, "%s has targets" % where)
    refs = [t.get("refId") for t in targets]
    rep.check(len(refs) == len(set(refs)) and None not in refs, "%s refIds are unique" % where)
    for t in targets:
        tw = "%s target %s" % (where, t.get("refId"))
        tuid, ttyp = ds_uid(t.get("datasource"))
        rep.check(tuid in ("$datasource", "${datasource}") and ttyp in (None, "prometheus"),
                  "%s uses the templated datasource (got %r)" % (tw, t.get("datasource")))
        expr = t.get("expr") or ""
        if not rep.check(bool(expr.strip()), "%s has an expr" % tw):
            continue
        exprs.append((tw, expr))
        try:
            sels, errs = analyze(expr)
        except ValueError as e:
            rep.check(False, "%s: %s" % (tw, e))
            continue
        for e in errs:
            rep.check(False, "%s: %s" % (tw, e))
        rep.check(len(sels) > 0, "%s selects at least one series" % tw)
        for s in sels:
            sname = s["name"] or "{...}"
            rep.check(JOB_MATCHER in s["matchers"],
                      '%s: selector %s has job=~"$job"' % (tw, sname))
            for m in s["matchers"]:
                if m[0] == "k8s_pod_name":
                    rep.check(m[1:] == POD_MATCHER[1:],
                              '%s: selector %s matches k8s_pod_name=~"$pod" (got %s%r)'
                              % (tw, sname, m[1], m[2]))
            if s["range"] is not None:
                rep.check(s["range"] == RATE_INTERVAL,
                          "%s: range of %s is [%s] (got [%s])" % (tw, sname, RATE_INTERVAL, s["range"]))
            if sname.endswith(COUNTER_SUFFIXES):
                rep.check(s["range"] is not None and s["func"] in RANGE_FUNCS,
                          "%s: counter %s is used only inside rate/irate/increase" % (tw, sname))


def promql_syntax(exprs, rep):
    promtool = shutil.which("promtool")
    if not promtool:
        print("SKIP: PromQL syntax check (promtool not installed)")
        return
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "dashboard_exprs.yml")
        with open(path, "w") as fh:
            fh.write("groups:\n  - name: dashboard\n    rules:\n")
            for i, (_, expr) in enumerate(exprs):
                fh.write("      - record: dashboard:expr_%d\n" % i)
                fh.write("        expr: %s\n" % json.dumps(substitute(expr, "fsprobe", "1m")))
        res = subprocess.run([promtool, "check", "rules", path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if res.returncode != 0:
            print(res.stdout)
        rep.check(res.returncode == 0, "all %d queries are valid PromQL (promtool)" % len(exprs))


def prom_get(base, path, params, timeout=10):
    url = base.rstrip("/") + path + "?" + urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except Exception:
            return {"status": "error", "error": "HTTP %d" % e.code}
    except Exception as e:  # connection refused, timeout, bad JSON
        return {"status": "error", "error": str(e)}


def live_checks(dash, rep, base, job, rate_interval, require_latency=False):
    print("== live checks against %s (job=%s, $__rate_interval=%s) ==" % (base, job, rate_interval))
    tmpl = {t.get("name"): t for t in (dash.get("templating") or {}).get("list") or []}
    jv = tmpl.get("job")
    if jv:
        q = jv.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.match(r"label_values\((.*),\s*(\w+)\)\s*$", q or "")
        if rep.check(bool(m), "job variable query is label_values(SELECTOR, LABEL)"):
            res = prom_get(base, "/api/v1/label/%s/values" % m.group(2), {"match[]": m.group(1)})
            vals = res.get("data") or []
            rep.check(res.get("status") == "success" and job in vals,
                      "job variable %s offers %r (got %s)" % (q, job, vals or res.get("error")))
    for p in iter_panels(dash.get("panels")):
        if p.get("type") == "row":
            continue
        title = p.get("title")
        for t in p.get("targets") or []:
            expr = substitute(t.get("expr") or "", job, rate_interval)
            res = prom_get(base, "/api/v1/query", {"query": expr})
            what = "panel %r target %s" % (title, t.get("refId"))
            if res.get("status") != "success":
                rep.check(False, "%s: query failed: %s\n      %s" % (what, res.get("error"), expr))
                continue
            n = len((res.get("data") or {}).get("result") or [])
            if title in EXPECTED_NO_DATA and not require_latency:
                rep.check(True, "%s: query accepted, %d series (data not required: %s)"
                          % (what, n, EXPECTED_NO_DATA[title]))
                continue
            rep.check(n > 0, "%s returns data (%d series)%s"
                      % (what, n, "" if n else "\n      " + expr))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dashboard", nargs="?", default=DEFAULT_DASHBOARD)
    ap.add_argument("--prometheus", metavar="URL",
                    help="run every panel query against this Prometheus instead of the static checks")
    ap.add_argument("--job", default="fsprobe", help="value for $job in live mode (default fsprobe)")
    ap.add_argument("--rate-interval", default="1m", help="value for $__rate_interval (default 1m)")
    ap.add_argument("--require-latency", action="store_true",
                    help="live mode: the latency panels must return data too (fsprobe runs with --latency)")
    args = ap.parse_args()

    rep = Report()
    try:
        with open(args.dashboard, encoding="utf-8") as fh:
            dash = json.load(fh)
    except (OSError, ValueError) as e:
        print("FAIL: cannot read %s: %s" % (args.dashboard, e))
        print("0 passed, 1 failed")
        return 1
    rep.check(isinstance(dash.get("title"), str) and dash["title"], "dashboard has a title")
    rep.check(bool(dash.get("uid")), "dashboard has a uid")
    rep.check(isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] >= 36,
              "schemaVersion >= 36 (got %r)" % dash.get("schemaVersion"))

    if args.prometheus:
        live_checks(dash, rep, args.prometheus, args.job, args.rate_interval, args.require_latency)
    else:
        static_checks(dash, rep)

    mode = "live" if args.prometheus else "static"
    if rep.failed:
        print("%s check: %d violation(s) in %s" % (mode, len(rep.failed), args.dashboard))
    print("%d passed, %d failed" % (rep.passed, len(rep.failed)))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
