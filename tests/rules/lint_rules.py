#!/usr/bin/env python3
"""Conventions promtool does not check, for alerts/*_rules.yml.

For every alert rule:
  * a `severity` label of warning or critical,
  * `summary`, `description` (templated, with a humanized $value) and
    `runbook_url` annotations,
  * runbook_url is the template that takes the runbook's address from the
    external label runbook_base_url (default: docs/runbooks/featurestore_slo.md),
    followed by #<anchor>, and <anchor> exists in that runbook,
  * the promtool tests in tests/rules/*_test.yml have a case where it fires
    and a case where it stays quiet.
Plus: the runbook's in-page links resolve, and every ```promql block in it
is valid PromQL (checked with `promtool check rules` on a temporary file;
skipped without promtool).

Python 3 standard library only (no PyYAML): the rule files are read line by
line, which works for the block layout used in alerts/ (one `- alert:` item
per rule, annotations as plain or folded scalars).

Usage: lint_rules.py [REPO_ROOT]   exit 0 = no violations.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The deployment sets the runbook's address as the external label runbook_base_url; without
# it the link is the runbook's path in this repository.
RUNBOOK_URL_PREFIX = ("{{ with $externalLabels.runbook_base_url }}{{ . }}{{ else }}"
                      "docs/runbooks/featurestore_slo.md{{ end }}#")
RUNBOOK_PATH = "docs/runbooks/featurestore_slo.md"
SEVERITIES = {"warning", "critical"}


def parse_alerts(path):
    """Return a list of dicts: name, labels, annotations (folded text)."""
    alerts = []
    cur = None
    section = None          # "labels" / "annotations" / None
    section_indent = 0
    key = None              # annotation key whose folded text continues
    key_indent = 0
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    for raw in lines:
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        line = raw.strip()
        m = re.match(r"-\s+(alert|record):\s*(\S+)", line)
        if m:
            cur = None
            section = None
            key = None
            if m.group(1) == "alert":
                cur = {"name": m.group(2), "labels": {}, "annotations": {},
                       "file": path}
                alerts.append(cur)
            continue
        if cur is None:
            continue
        if key is not None:
            if indent > key_indent:
                prev = cur["annotations"][key]
                cur["annotations"][key] = (prev + " " + line).strip()
                continue
            key = None
        if section is not None and indent <= section_indent:
            section = None
        if line in ("labels:", "annotations:"):
            section = line[:-1]
            section_indent = indent
            continue
        if section is None:
            continue
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$", line)
        if not m:
            continue
        k, v = m.group(1), m.group(2).strip()
        if v in (">-", ">", "|", "|-"):
            cur[section][k] = ""
            key, key_indent = k, indent
            continue
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        cur[section][k] = v
    return alerts


def github_anchors(md_path):
    """Anchors GitHub generates for the headings of a markdown file."""
    anchors = set()
    seen = {}
    in_code = False
    with open(md_path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not m:
                continue
            text = re.sub(r"`", "", m.group(1)).lower()
            slug = re.sub(r"[^\w\- ]", "", text).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            anchors.add(slug if n == 0 else "%s-%d" % (slug, n))
    return anchors


def test_cases(test_files):
    """alertname -> set of {"fires", "quiet"} found in promtool tests."""
    cases = {}
    for path in test_files:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        for i, raw in enumerate(lines):
            line = raw.strip()
            m = re.search(r"alertname:\s*([A-Za-z0-9_]+)", line)
            if not m:
                continue
            name = m.group(1)
            if line.startswith("{") or line.startswith("- {"):
                kind = "quiet" if re.search(r"exp_alerts:\s*\[\s*\]", line) else "fires"
            else:
                # block style: look at the following exp_alerts line
                kind = "quiet"
                for nxt in lines[i + 1:i + 4]:
                    s = nxt.strip()
                    if s.startswith("exp_alerts:"):
                        kind = "quiet" if re.search(r"\[\s*\]", s) else "fires"
                        break
            cases.setdefault(name, set()).add(kind)
    return cases


def runbook_promql(md_path):
    """Queries in ```promql blocks of the runbook (one per non-empty line)."""
    with open(md_path, encoding="utf-8") as fh:
        text = fh.read()
    out = []
    for block in re.findall(r"```promql\n(.*?)```", text, re.S):
        out.extend(l.strip() for l in block.splitlines() if l.strip())
    return out


def promql_valid(exprs):
    """(ok, output) from promtool check rules on the expressions."""
    promtool = shutil.which("promtool")
    if not promtool:
        return None, "promtool not installed"
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "runbook_promql.yml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("groups:\n  - name: runbook\n    rules:\n")
            for i, e in enumerate(exprs):
                fh.write("      - record: runbook:query_%d\n        expr: %s\n" % (i, json.dumps(e)))
        res = subprocess.run([promtool, "check", "rules", path], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        return res.returncode == 0, res.stdout


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    rule_files = sorted(glob.glob(os.path.join(root, "alerts", "*_rules.yml")))
    test_files = sorted(glob.glob(os.path.join(root, "tests", "rules", "*_test.yml")))
    runbook = os.path.join(root, RUNBOOK_PATH)
    anchors = github_anchors(runbook) if os.path.exists(runbook) else set()
    cases = test_cases(test_files)

    passed = failed = 0
    quiet = [False]     # inside an alert: print failures only

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
            if not quiet[0]:
                print("PASS: " + what)
        else:
            failed += 1
            print("FAIL: " + what)
        return ok

    check(bool(rule_files), "alert rule files found in alerts/")
    check(os.path.exists(runbook), "runbook %s exists" % RUNBOOK_PATH)
    alerts = [a for f in rule_files for a in parse_alerts(f)]
    check(bool(alerts), "%d alert rules parsed" % len(alerts))
    for a in alerts:
        n = a["name"]
        failed_before = failed
        quiet[0] = True
        sev = a["labels"].get("severity")
        check(sev in SEVERITIES, "%s: severity label is warning|critical (got %r)" % (n, sev))
        ann = a["annotations"]
        check(bool(ann.get("summary")), "%s: has a summary" % n)
        desc = ann.get("description", "")
        check(bool(re.search(r"\{\{\s*\$value\s*\|\s*humanize", desc)),
              "%s: description is templated with a humanized $value" % n)
        url = ann.get("runbook_url", "")
        ok_url = url.startswith(RUNBOOK_URL_PREFIX)
        check(ok_url, "%s: runbook_url points at %s<anchor>" % (n, RUNBOOK_URL_PREFIX))
        if ok_url:
            anchor = url[len(RUNBOOK_URL_PREFIX):]
            check(anchor in anchors, "%s: runbook anchor #%s exists in the runbook" % (n, anchor))
        kinds = cases.get(n, set())
        check("fires" in kinds, "%s: a promtool test case where it fires" % n)
        check("quiet" in kinds, "%s: a promtool test case where it stays quiet" % n)
        quiet[0] = False
        if failed == failed_before:
            print("PASS: %s (%s): severity, summary, templated description, runbook #%s exists, "
                  "tests fire + quiet" % (n, sev, url.rsplit("#", 1)[-1]))

    if os.path.exists(runbook):
        with open(runbook, encoding="utf-8") as fh:
            links = set(re.findall(r"\]\(#([^)]+)\)", fh.read()))
        broken = sorted(links - anchors)
        check(not broken, "all %d in-page links of the runbook resolve%s"
              % (len(links), (": broken " + ", ".join(broken)) if broken else ""))
        queries = runbook_promql(runbook)
        valid, out = promql_valid(queries)
        if valid is None:
            print("SKIP: PromQL in the runbook (%s)" % out)
        else:
            if not valid:
                print(out)
            check(valid, "all %d PromQL queries in the runbook are valid" % len(queries))

    print("lint_rules: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
