#!/usr/bin/env python3
"""Run the samples in README.md and docs/ against the demo feature store; compare their shape.

A fenced block is checked when an HTML comment right before it says so:

    <!-- check: OPTION... -->
    ```sh
    ...
    ```

What is checked depends on the block:

  * `$ COMMAND` lines followed by output (a transcript): each command runs; the output shown
    under it must appear in the real output, line by line and in order, after normalising
    (see norm()): numbers, pids, ports and paths may differ, words and layout may not.
  * a block of commands (sh): each runs and must succeed. An exporter (fsprobe, fsprobe run)
    must start serving; `fsprobe top` must draw in an 80x24 terminal; the rest must exit 0.
    With expect=comments, `# ...` lines right after a command are its expected output.
  * run=CMD: the block is CMD's output, compared as a transcript.
  * mode=metrics: Prometheus samples; the same metric names, each with the same label names,
    as the real scrape (values are not compared).
  * mode=json: a JSON sample, one object per line as fsprobe prints it: the same keys in the
    same order and the same kinds of values (string, number, null, true/false) on each line.
  * mode=screen: a `fsprobe top` screen (run=CMD), taken from a real 80x24 terminal.
  * table=metrics (before a Markdown table, not a fence): every `metric{label,...}` in the
    table's first column is exported with exactly those labels; with `complete`, every metric
    the exporter has is in the table.

Other options: target=demo|none|NAME (what runs; see TARGETS), serve[=ARGS] (an exporter on
the demo behind port 9477 while the block runs), wait=S (seconds of load before the output is
taken), status=N (the exit status a transcript's command must have), skip=REGEX (commands of the
block that cannot run here: listed, not run), wrapped (the sample is one line, wrapped),
subN="REGEX=>TEXT" (a replacement in the block's commands first), cwd=root (commands that
name the repository's files run from its root; the others run in a scratch directory).
{ROOT} and {OUTPUT} in an option are the repository and the build directory.

Commands run as written, with what is particular to a reader's machine replaced: sudo, a pid
(4242, 7292, PID, "$(pgrep -o featurestore)"), an executable path, port 9477 and its
neighbours, and report durations (to 3 s). Unmarked blocks are not run: each must match a rule
in SKIP_RULES that says why (a cluster, systemd, configuration, ...), and is listed as skipped.

Usage: check_docs.py [--list] [FILE...]   (default: README.md and docs/**/*.md, from the root)
Environment: FSPROBE, OUTPUT (as the integration tests).
"""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUTPUT = os.environ.get("OUTPUT", "build")
OUTPUT = OUTPUT if os.path.isabs(OUTPUT) else os.path.join(ROOT, OUTPUT)
FSPROBE = os.environ.get("FSPROBE", os.path.join(OUTPUT, "fsprobe"))
FSPROBE = FSPROBE if os.path.isabs(FSPROBE) else os.path.join(ROOT, FSPROBE)

# What a sample may run against: argv after the binary, and the binary. The demo is the
# workload docs/incident.md describes: a cache too small for its symbols, slow recomputes.
DEMO_ARGS = ["--threads", "2", "--rate", "5000", "--symbols", "1500", "--capacity", "384",
             "--compute-us", "500"]
TARGETS = {
    "demo": (os.path.join(OUTPUT, "featurestore"), DEMO_ARGS),
    "shapes-struct": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "struct"]),
    "shapes-ptrlen": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "ptrlen"]),
    "shapes-intid": (os.path.join(OUTPUT, "targets/shapes"),
                     ["--shape", "intid", "--symbol-map", "ids.txt"]),
    "shapes-rawkey": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "rawkey"]),
    "shapes-retval": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "retval"]),
    "shapes-retbool": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "retbool"]),
    "shapes-lib": (os.path.join(OUTPUT, "targets/shapes"), ["--shape", "lib"]),
    "cxx": (os.path.join(OUTPUT, "targets/featurestore-cxx"), []),
    "cxx-find": (os.path.join(OUTPUT, "targets/featurestore-cxx"), ["--mode", "find"]),
    "rust": (os.path.join(OUTPUT, "targets/featurestore-rust"), []),
    "go": (os.path.join(OUTPUT, "targets/featurestore-go"), []),
    "go-hitmiss": (os.path.join(OUTPUT, "targets/featurestore-go"), ["--mode", "hitmiss"]),
}
# Extra load options where a target takes them: a steady rate, so misses keep happening.
LOAD_ARGS = ["--threads", "2", "--rate", "2000"]

# Why an unmarked block is not run: the first rule whose pattern is in it (or whose language
# it is) says. A block no rule explains is an error: mark it, or say here why it cannot run.
SKIP_RULES = [
    ("lang", r"^(c|c\+\+|rust|go)$", "source code of a target"),
    ("lang", r"^(yaml|ini)$", "configuration, not a command"),
    ("lang", r"^promql$", "PromQL: needs a Prometheus with the fleet's data"),
    ("text", r"\bmake (demo|test|bench)\b|^make\b|\bmake install\b",
     "builds, installs or runs the test suite itself"),
    ("text", r"\bkubectl\b|\bcrictl\b|\bdocker\b", "needs Kubernetes or a container runtime"),
    ("text", r"^\$ pahole\b", "needs pahole (package dwarves), which make deps does not install"),
    ("text", r"\bsystemctl\b|\bjournalctl\b",
     "needs systemd services installed on the host (fsprobe, Prometheus, Alertmanager)"),
    ("text", r"prometheus:9090|\$PROM\b|grafana\.example", "needs the fleet's Prometheus or Grafana"),
    ("text", r"^bpftrace -e", "the peer make bench runs (tests/bench/bench.sh)"),
    ("text", r"^key +:=", "grammar, not a command"),
    ("text", r"\bpahole\b|\bgdb -batch\b|\bobjdump\b|\breadelf\b|\bnm -C BIN\b",
     "inspects the reader's own binary (BIN, LIB)"),
    ("text", r"\bBIN\b.*pid == PID", "the peer make bench runs (tests/bench/bench.sh)"),
    ("text", r"--web\.config\.file /etc/fsprobe/", "needs the reader's certificates; "
     "tests/integration/test_http_tls.sh runs the same with generated ones"),
    ("text", r"Overall exposure level for fsprobe\.service",
     "systemd-analyze on the installed unit: tests/integration/test_deb.sh compares this line"),
]


def die(msg):
    print("check_docs: " + msg, file=sys.stderr)
    sys.exit(2)


# --- reading the docs ---

class Block:
    def __init__(self, path, line, lang, body, opts, marked):
        self.path, self.line, self.lang, self.body = path, line, lang, body
        self.opts, self.marked = opts, marked

    def where(self):
        return "%s:%d" % (os.path.relpath(self.path, ROOT), self.line)

    def title(self):
        first = next((l.strip() for l in self.body if l.strip() and not l.startswith("#")), "")
        return first if len(first) <= 70 else first[:69] + "…"


def parse_opts(text):
    opts = {}
    for word in shlex.split(text):
        key, eq, value = word.partition("=")
        if eq:
            value = value.replace("{ROOT}", ROOT).replace("{OUTPUT}", OUTPUT)
        opts[key] = value if eq else True
    return opts


MARKER = re.compile(r"^\s*<!--\s*check:\s*(.*?)\s*-->\s*$")


def read_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)\s*$", lines[i])
        t = MARKER.match(lines[i])
        if t and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("|"):
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            blocks.append(Block(path, i + 2, "table", lines[i + 1:j], parse_opts(t.group(1)), True))
            i = j
            continue
        if not m:
            i += 1
            continue
        indent, lang = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[i + 1:j]]
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = MARKER.match(lines[k]) if k >= 0 else None
        blocks.append(Block(path, i + 1, lang, body, parse_opts(mark.group(1)) if mark else {},
                            bool(mark)))
        i = j + 1
    return blocks


def skip_reason(b):
    text = "\n".join(b.body)
    for kind, pattern, why in SKIP_RULES:
        if kind == "lang" and re.search(pattern, b.lang):
            return why
        if kind == "text" and re.search(pattern, text, re.M):
            return why
    return None


# --- normalising output ---

def norm(line):
    s = line.replace("\t", " ").strip()
    s = re.sub(r"https?://[^\s\"')]+", "URL", s)
    s = re.sub(r"\b(kernel )[\w.+~-]+", r"\1K", s)  # 6.1.0-57-amd64, 6.18.44-fc-v1045
    # A path, to its last part: /work/main/build/featurestore and .../featurestore alike.
    s = re.sub(r"(?<![\w.:])(?:\.\.\.)?(?:/[\w.+@-]+)+/?", lambda m: m.group(0).rstrip("/").split("/")[-1], s)
    s = re.sub(r"0x[0-9a-fA-F]+", "N", s)
    s = re.sub(r"\d+(?:[.,:]\d+)*(?:e[-+]?\d+)?", "N", s)
    s = re.sub(r"N(?:ns|us|µs|ms|s|MB|B)\b", "N", s)
    s = re.sub(r"\b(N [a-z]+?)(?:es|s)\b", r"\1", s)  # 1 process, 2 processes
    return re.sub(r"\s+", " ", s)


def same_line(want, got):
    """A sample line cut with … (as top cuts to the terminal) matches up to the cut."""
    if want == got:
        return True
    if want.endswith("…") or got.endswith("…"):
        w, g = want.rstrip("…"), got.rstrip("…")
        n = min(len(w), len(g))
        return n > 20 and w[:n] == g[:n]
    return False


def sample_lines(lines):
    """The lines a sample shows: no blanks, no elisions (...), no notes (# ...)."""
    out = []
    for l in lines:
        t = l.strip()
        if not t or t in ("...", "…") or re.match(r"^\.\.\.,?$", t) or t.startswith("# "):
            continue
        out.append(t)
    return out


def compare_lines(want, got, key=norm, same=same_line):
    """Every wanted line in got, in order; returns the first one missing, or None."""
    got_n = [key(l) for l in got if l.strip()]
    i = 0
    for w in want:
        wn = key(w)
        while i < len(got_n) and not same(wn, got_n[i]):
            i += 1
        if i == len(got_n):
            return w
        i += 1
    return None


def json_shape(line):
    """Keys kept, other strings S, numbers N: what a JSON line is, not what it holds."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"(\s*:)?', lambda m: m.group(0) if m.group(1) else "S", line.strip())
    s = re.sub(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", "N", s)
    return re.sub(r"\s+", " ", s)


METRIC = re.compile(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+")


def metric_shapes(lines):
    """{name: set of label-name tuples} of the samples in lines."""
    shapes = {}
    for l in lines:
        m = METRIC.match(l.strip())
        if not m or l.startswith("#"):
            continue
        labels = tuple(re.findall(r'(\w+)="(?:[^"\\]|\\.)*"', m.group(2) or ""))
        shapes.setdefault(m.group(1), set()).add(labels)
    return shapes


def families(shapes):
    """Histogram series folded into their family, without le."""
    out = {}
    for name, sets in shapes.items():
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        fam = base if base != name and base + "_bucket" in shapes else name
        for labels in sets:
            out.setdefault(fam, set()).add(tuple(x for x in labels if x != "le"))
    return out


# --- running things ---

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def scrape(port, timeout=2):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:
        return None


class Run:
    """One document's world: a working directory, the targets, ports, the exporters running."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fsprobe-docs.")
        self.bin = os.path.join(self.dir, ".bin")
        os.mkdir(self.bin)
        os.symlink(FSPROBE, os.path.join(self.bin, "fsprobe"))
        self.env = dict(os.environ, PATH=self.bin + ":" + os.environ["PATH"], LC_ALL="C.UTF-8")
        self.targets = {}
        self.ports = {}
        self.daemons = {}
        self.sock = os.path.join(self.dir, ".tmux")

    def target(self, name):
        if name not in self.targets:
            if name not in TARGETS:
                die("unknown target %r" % name)
            exe, args = TARGETS[name]
            if not os.access(exe, os.X_OK):
                raise Failure("target %s: %s is not built (make targets)" % (name, exe))
            extra = [] if name == "demo" else LOAD_ARGS
            p = subprocess.Popen([exe] + args + extra + ["--tally", "/dev/null"], cwd=self.dir,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            if p.poll() is not None:
                raise Failure("target %s exited at once" % name)
            self.targets[name] = p
        return self.targets[name]

    def port(self, doc_port):
        if doc_port not in self.ports:
            self.ports[doc_port] = free_port()
        return self.ports[doc_port]

    def rewrite(self, cmd, target, opts=None):
        """A command from the docs as it runs here; opts' subN="REGEX=>TEXT" first."""
        c = cmd
        for key, value in sorted((opts or {}).items()):
            if key.startswith("sub") and isinstance(value, str):
                pattern, _, text = value.partition("=>")
                c = re.sub(pattern, lambda m: text, c)
        c = re.sub(r"(^\s*|[|;&(]\s*)sudo\s+", r"\1", c)
        if target != "none":
            pid = str(self.target(target).pid)
            exe = TARGETS[target][0]
            c = re.sub(r"--pid\s+(?:\"\$\(pgrep -o featurestore\)\"|\$\(pgrep -o featurestore\)|"
                       r"4242|7292|PID)\b", "--pid " + pid, c)
            c = re.sub(r"--binary\s+(?:/opt/desk/bin/featurestore|/usr/local/bin/featurestore|BIN)\b",
                       "--binary " + exe, c)
        c = re.sub(r"(127\.0\.0\.1|NODE|localhost|\[::1\])?:(947[0-9])\b",
                   lambda m: "127.0.0.1:%d" % self.port(m.group(2)), c)
        c = re.sub(r"--duration\s+\d+", "--duration 3", c)
        return c

    def sh(self, cmd, timeout=60, cwd=None):
        p = subprocess.run(["bash", "-c", cmd], cwd=cwd or self.dir, env=self.env, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def start_daemon(self, cmd):
        """An exporter: started on its own port, serving before we go on. One per port: a
        second exporter on a port replaces the first, as it would have to on a real node."""
        m = re.search(r"--web\.listen-address\s+\S*:(\d+)", cmd)
        if m:
            port = int(m.group(1))
        else:
            port = self.port("9477")
            cmd += " --web.listen-address 127.0.0.1:%d" % port
        self.stop_daemons(port)
        log = open(os.path.join(self.dir, ".daemon.%d.log" % port), "w+")
        p = subprocess.Popen(["bash", "-c", "exec " + cmd], cwd=self.dir, env=self.env,
                             stdout=log, stderr=log)
        self.daemons[port] = (p, log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if p.poll() is not None:
                log.seek(0)
                del self.daemons[port]
                raise Failure("exporter exited %d: %s" % (p.returncode, log.read().strip()[-300:]))
            text = scrape(port, 1)
            if text is not None:
                detached = re.findall(r"^fsprobe_probe_attached\{(.*)\} 0$", text, re.M)
                if detached:
                    raise Failure("exporter serves, but not attached: %s" % "; ".join(detached))
                return port
            time.sleep(0.1)
        raise Failure("exporter does not serve on port %d" % port)

    def stop_daemons(self, only=None):
        """Stops the exporters (or the one on port ONLY); returns the last one's log."""
        text = ""
        for port in [only] if only is not None else list(self.daemons):
            if port not in self.daemons:
                continue
            p, log = self.daemons.pop(port)
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.seek(0)
            text = log.read()
            log.close()
            if p.returncode not in (0, -signal.SIGTERM):
                raise Failure("exporter exited %d on SIGTERM: %s" % (p.returncode, text[-300:]))
        return text

    def tmux(self, *args):
        return subprocess.run(["tmux", "-u", "-S", self.sock] + list(args), env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def top(self, cmd, wait):
        """fsprobe top in an 80x24 terminal: the screen after WAIT seconds, then q."""
        status = os.path.join(self.dir, ".top.status")
        self.tmux("new-session", "-d", "-s", "top", "-x", "80", "-y", "24",
                  "cd %s && %s 2>%s.err; echo $? >%s; sleep 600" % (
                      shlex.quote(self.dir), cmd, status, status))
        capture = lambda: self.tmux("capture-pane", "-p", "-t", "top").stdout.decode("utf-8", "replace")
        deadline = time.time() + 30  # attaching takes a while on a busy machine
        while time.time() < deadline and not os.path.exists(status) and \
                not re.search(r"^SYMBOL ", capture(), re.M):
            time.sleep(0.2)
        time.sleep(wait)
        screen = capture()
        self.tmux("send-keys", "-t", "top", "q")
        deadline = time.time() + 30
        while time.time() < deadline and not os.path.exists(status):
            time.sleep(0.1)
        self.tmux("kill-server")
        code = open(status).read().strip() if os.path.exists(status) else "none"
        err = open(status + ".err").read().strip() if os.path.exists(status + ".err") else ""
        os.unlink(status) if os.path.exists(status) else None
        if code != "0":
            raise Failure("top exited %s: %s" % (code, err[-300:]))
        if not re.search(r"^SYMBOL ", screen, re.M):
            raise Failure("top drew no table: %s" % screen.strip()[:300])
        return screen

    def close(self):
        try:
            self.stop_daemons()
        except Failure:
            pass
        self.tmux("kill-server")
        for p in self.targets.values():
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Failure(Exception):
    pass


def kind(cmd):
    """daemon, top or plain: how a command from the docs runs."""
    words = shlex.split(cmd, comments=True) if cmd.strip() else []
    if not words or words[0] != "fsprobe":
        return "plain"
    if any(w in ("|", ">", "<") or w.startswith(">") for w in words):
        return "plain"  # its output goes somewhere: it runs to the end
    sub = next((w for w in words[1:] if not w.startswith("-")), None)
    if sub == "top":
        return "top"
    if sub in ("report", "functions", "check") or "--help" in words or "-h" in words:
        return "plain"
    return "daemon"


def commands(body):
    """The commands of a sh block: continuation lines joined; each with the # lines after it."""
    out, cur = [], None
    lines = list(body)
    i = 0
    while i < len(lines):
        line = lines[i]
        t = line.strip()
        if not t:
            i += 1
            continue
        if t.startswith("#"):
            if cur is not None:
                cur[1].append(t[1:].strip())
            i += 1
            continue
        cmd = line.rstrip()
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        cur = [cmd.strip(), []]
        out.append(cur)
        i += 1
    return out


def check_transcript(run, b, target):
    """$ COMMAND lines, each followed by what it prints."""
    items, cur = [], None
    for line in b.body:
        if line.startswith("$ "):
            cur = [line[2:].strip(), []]
            items.append(cur)
        elif cur is not None:
            cur[1].append(line)
    if not items:
        raise Failure("no $ COMMAND line in the transcript")
    for cmd, shown in items:
        code, out = run_for_output(run, run.rewrite(cmd, target, b.opts), b)
        want_status = int(b.opts.get("status", 0))
        if code != want_status:
            raise Failure("'%s' exited %d, the docs imply %d: %s" % (cmd, code, want_status, out.strip()[-300:]))
        compare(b, shown, out)


def run_for_output(run, cmd, b):
    k = kind(cmd) if not int(b.opts.get("status", 0)) else "plain"  # a refusal is no daemon
    wait = float(b.opts.get("wait", 3))
    if k == "top":
        return 0, run.top(cmd, wait)
    if k == "daemon":
        port = run.start_daemon(cmd)
        time.sleep(wait)
        return 0, run.stop_daemons(port)
    return run.sh(cmd)


def compare(b, shown, out):
    mode = b.opts.get("mode", "lines")
    got = out.split("\n")
    if mode == "metrics":
        want, real = metric_shapes(shown), metric_shapes(got)
        if not want:
            raise Failure("no metric in the sample")
        for name, sets in want.items():
            if name not in real:
                raise Failure("metric %s is not exported (exported: %s)" % (name, ", ".join(sorted(real))[:300]))
            for labels in sets | real[name]:
                if labels not in sets:
                    raise Failure("%s is exported with labels {%s}, the sample shows {%s}" % (
                        name, ",".join(labels), "} or {".join(",".join(x) for x in sets)))
                if labels not in real[name]:
                    raise Failure("%s{%s} is not exported; it has {%s}" % (
                        name, ",".join(labels), "} or {".join(",".join(x) for x in real[name])))
        return
    want = sample_lines(shown)
    if b.opts.get("wrapped"):
        want = [" ".join(want)]
    if mode == "json":
        miss = compare_lines(want, got, key=json_shape, same=lambda w, g: w == g)
    else:  # lines, screen
        miss = compare_lines(want, got)
    if miss is not None:
        raise Failure("line not in the real output: %r\n      real output:\n%s" % (
            miss, "\n".join("        " + (l if len(l) < 150 else l[:149] + "…") for l in got[:30])))


def check_commands(run, b, target):
    skip = b.opts.get("skip")
    skipped = []
    expect = b.opts.get("expect") == "comments"
    for cmd, notes in commands(b.body):
        if skip and re.search(skip, cmd):
            skipped.append(cmd)
            continue
        c = run.rewrite(cmd, target, b.opts)
        k = kind(c)
        if k == "daemon":
            run.start_daemon(c)
            continue
        if k == "top":
            run.top(c, float(b.opts.get("wait", 3)))
            continue
        code, out = run.sh(c, cwd=ROOT if b.opts.get("cwd") == "root" else None)
        if code != 0:
            raise Failure("'%s' exited %d: %s" % (cmd, code, out.strip()[-400:]))
        if expect and notes:
            compare(b, notes, out)
    run.stop_daemons()
    return skipped


def check_table(run, b):
    want = {}
    for row in b.body[2:]:
        first = row.strip().strip("|").split("|")[0]
        for code in re.findall(r"`([a-z_:][\w:]*)(?:\{([\w,]*)\})?`", first):
            want[code[0]] = tuple(x for x in code[1].split(",") if x)
    if not want:
        raise Failure("no metric in the table's first column")
    text = scrape(run.port("9477"), 5)
    if text is None:
        raise Failure("no exporter to compare the table with")
    real = families(metric_shapes(text.split("\n")))
    for name, labels in want.items():
        if name not in real:
            raise Failure("%s is in the table but not exported" % name)
        if any(set(l) != set(labels) for l in real[name]):
            raise Failure("%s is exported with labels {%s}; the table says {%s}" % (
                name, "} or {".join(",".join(l) for l in real[name]), ",".join(labels)))
    if b.opts.get("complete"):
        missing = sorted(set(real) - set(want))
        if missing:
            raise Failure("exported but not in the table: %s" % ", ".join(missing))


def check_block(run, b):
    target = b.opts.get("target", "demo")
    if target != "none":
        run.target(target)
    serve = b.opts.get("serve")
    if serve or b.lang == "table":
        args = serve if isinstance(serve, str) else \
            "--pid PID --lookup feature_cache_lookup --miss compute_features --latency"
        run.start_daemon(run.rewrite("fsprobe " + args, target))
        time.sleep(float(b.opts.get("wait", 2)))
    try:
        if b.lang == "table":
            return check_table(run, b)
        if "run" in b.opts:
            code, out = run_for_output(run, run.rewrite(b.opts["run"], target, b.opts), b)
            if code != int(b.opts.get("status", 0)):
                raise Failure("'%s' exited %d: %s" % (b.opts["run"], code, out.strip()[-300:]))
            return compare(b, b.body, out)
        if any(l.startswith("$ ") for l in b.body):
            return check_transcript(run, b, target)
        return check_commands(run, b, target)
    finally:
        run.stop_daemons()


def main(argv):
    listing = "--list" in argv
    files = [a for a in argv[1:] if not a.startswith("--")]
    if not files:
        files = [os.path.join(ROOT, "README.md")] + sorted(
            glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    checked = failed = 0
    skipped = []
    for path in files:
        blocks = read_blocks(path)
        marked = [b for b in blocks if b.marked]
        for b in blocks:
            if not b.marked:
                why = skip_reason(b)
                if why is None:
                    print("FAIL %s: an unmarked sample no rule explains (%s): mark it <!-- check: -->"
                          " or add a rule to SKIP_RULES in tests/docs/check_docs.py" % (b.where(), b.title()))
                    failed += 1
                else:
                    skipped.append((b, why))
        if listing or not marked:
            for b in marked:
                print("MARKED %s %s %s" % (b.where(), b.opts, b.title()))
            continue
        run = Run()
        try:
            for b in marked:
                t0 = time.time()
                try:
                    lines = check_block(run, b)
                    checked += 1
                    note = " (not run here: %s)" % "; ".join(lines) if lines else ""
                    print("PASS %s %s [%.1fs]%s" % (b.where(), b.title(), time.time() - t0, note))
                except (Failure, subprocess.TimeoutExpired) as e:
                    failed += 1
                    print("FAIL %s %s: %s" % (b.where(), b.title(), e))
        finally:
            run.close()
    print("skipped %d unmarked samples:" % len(skipped))
    for b, why in skipped:
        print("  SKIP %s %s: %s" % (b.where(), b.title(), why))
    print("docs: %d samples checked, %d failed, %d skipped" % (checked, failed, len(skipped)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
