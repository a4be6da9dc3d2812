#!/usr/bin/env python3
"""The cost table in docs/performance.md: every cost figure the docs give, from one make bench run.

  cost_table.py write RESULTS PAGE   rewrite the table in PAGE from RESULTS (what make bench does)
  cost_table.py check PAGE           the table is what the results kept beside it give: no figure
                                     was edited by hand, every row is there (make test does this)
  cost_table.py rerender PAGE        the table again from the results kept in it (after a change
                                     to this script's wording, without a bench run)
  cost_table.py render RESULTS       print the table (the bench smoke test renders a quick run)
  cost_table.py rows PAGE            the row anchors, one a line (links from other pages use them)

RESULTS is tests/bench/bench.sh's $OUTPUT/bench/results.txt: one "KEY VALUE" a line. The table
sits between the markers below, with the results it was made from in an HTML comment, so that a
check needs no bench run. Other pages link to a row, #cost-ID, instead of quoting its figure.
"""
import re
import sys

BEGIN = "<!-- costs: begin (written by make bench, tests/bench/cost_table.py; do not edit) -->"
END = "<!-- costs: end -->"
RESULTS_OPEN = "<!-- bench results:"


def parse_results(text):
    r = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        r[key] = value.strip()
    return r


class Figures:
    """The results as numbers; a missing or empty figure makes the cell n/a, not an error."""

    def __init__(self, r):
        self.r = r

    def __call__(self, key):
        v = self.r.get(key, "")
        try:
            return float(v)
        except ValueError:
            return None

    def text(self, key, default="?"):
        return self.r.get(key) or default


def ns(v, plus=False):
    if v is None:
        return "n/a"
    sign = "+" if plus and v >= 0 else ""
    if abs(v) >= 1000:
        return "%s%s µs" % (sign, "{:,.2f}".format(v / 1000))
    return "%s%.1f ns" % (sign, v)


def sub(a, b):
    return None if a is None or b is None else a - b


def num(v, fmt="{:,.0f}"):
    return "n/a" if v is None else fmt.format(v)


def rows(f):
    """(anchor, what, figure) for every row, in table order."""
    w = lambda build, how: f("wall.%s.%s" % (build, how))
    added = lambda build, how: sub(w(build, how), w(build, "none"))
    cpus = f("meta.cpus")
    sizes = [int(s) for s in f.text("meta.sizes", "").split(",") if s.isdigit()]
    big = sizes[1] if len(sizes) > 1 else None
    prog_net = lambda key, empty: sub(f(key), f(empty))
    out = [
        ("lookup", "one lookup of the demo feature store, no probe", ns(w("plain", "none"))),
        ("uprobe", "a uprobe alone: an empty bpftrace program on the lookup's first instruction",
         ns(added("plain", "empty"), True)),
        ("fsprobe", "fsprobe, default: the entry probe only (the binary proves that exact)",
         ns(added("plain", "fsprobe"), True)),
        ("fsprobe-over-uprobe", "of which fsprobe's program and its probe's bookkeeping "
         "(fsprobe less the empty program)", ns(sub(w("plain", "fsprobe"), w("plain", "empty")), True)),
        ("return-probe", "a return probe on the lookup: `--no-lazy` less the default (`--hit-when` "
         "and `--latency` have one too)", ns(sub(w("plain", "no-lazy"), w("plain", "fsprobe")), True)),
        ("no-lazy", "fsprobe `--no-lazy`: entry and return probe", ns(added("plain", "no-lazy"), True)),
        ("latency", "fsprobe `--latency`, all hits: a return probe and two clock reads (a miss also "
         "pays a return probe on the miss function)", ns(added("plain", "latency"), True)),
        ("bpftrace", "the bpftrace one-liner, the usual peer", ns(added("plain", "bpftrace"), True)),
        ("cet-lookup", "one lookup, `-fcf-protection` build, no probe", ns(w("cet", "none"))),
        ("cet-endbr64", "`-fcf-protection`: a uprobe on `endbr64`, single-stepped (an empty program "
         "there)", ns(added("cet", "empty"), True)),
        ("cet-fsprobe", "`-fcf-protection`: fsprobe, default (its probe placed past `endbr64`)",
         ns(added("cet", "fsprobe"), True)),
        ("cet-no-lazy", "`-fcf-protection`: fsprobe `--no-lazy`", ns(added("cet", "no-lazy"), True)),
        ("cet-latency", "`-fcf-protection`: fsprobe `--latency`", ns(added("cet", "latency"), True)),
        ("cet-bpftrace", "`-fcf-protection`: the bpftrace one-liner", ns(added("cet", "bpftrace"), True)),
        ("accounting", "`kernel.bpf_stats_enabled=1`'s own timing of a run: an empty program as "
         "accounted", ns(f("prog.empty"))),
        ("program", "fsprobe's `lookup_entry` on a hit, net of the accounting (as accounted: %s)"
         % ns(f("prog.lookup_entry")), ns(prog_net("prog.lookup_entry", "prog.empty"))),
        ("program-symbols", "... at %s symbols looked up uniformly (maps past the CPU caches), net"
         % num(f("prog.big.symbols")), ns(prog_net("prog.big.lookup_entry", "prog.big.empty"))),
        ("program-task-storage", "... with `--thread-slots 0` (thread state in task storage, a "
         "helper call), net", ns(prog_net("prog.noslots.lookup_entry", "prog.noslots.empty"))),
        ("no-thread-slot", "a thread without a `--thread-slots` entry: task storage less the "
         "array, per lookup", ns(sub(prog_net("prog.noslots.lookup_entry", "prog.noslots.empty"),
                                     prog_net("prog.lookup_entry", "prog.empty")), True)),
        ("lookup-return", "`lookup_return` (`--no-lazy`), net", ns(prog_net("prog.lookup_return.nolazy",
                                                                            "prog.empty"))),
        ("bpftrace-program", "the bpftrace one-liner's program on a hit, net",
         ns(prog_net("prog.bpftrace", "prog.empty"))),
    ]
    for n in sizes:
        out.append(("scrape-%d" % n, "a scrape of %s symbols (median of 20; %s series)"
                    % (num(n), num(f("series.%d" % n))), num(f("scrape.%d" % n), "{:.2f} ms")))
    for n in sizes:
        out.append(("rss-%d" % n, "fsprobe's RSS at %s symbols" % num(n),
                    num(f("rss.%d" % n), "{:.1f} MB")))
    if big:
        kbig, ksmall = f("kmem.%d" % big), f("kmem.%d" % sizes[0])
        per_sym = None if kbig is None or ksmall is None else (kbig - ksmall) / (big - sizes[0])
        counts = f("kmem.counts.%d" % big)
        per_cpu = None if counts is None or not cpus else counts / (big + 1) / cpus
        slots, nslots = f("kmem.slots"), f("kmem.slot_entries")
        out += [
            ("kernel-memory", "kernel memory of fsprobe's BPF maps (memlock) at %s symbols, %s CPUs"
             % (num(big), num(cpus)), num(None if kbig is None else kbig / 1048576, "{:.1f} MB")),
            ("kernel-memory-symbol", "... per symbol (%s to %s symbols): the symbol hash, two hint "
             "buckets rounded up to a power of two, per-CPU counters" % (num(sizes[0]), num(big)),
             num(per_sym, "{:,.0f} B")),
            ("kernel-memory-cpu", "... of which per symbol and CPU (the counters)",
             num(per_cpu, "{:,.0f} B")),
            ("thread-slot", "kernel memory per `--thread-slots` entry (%s by default: %s MB)"
             % (num(nslots), num(None if slots is None else slots / 1048576, "{:.1f}")),
             num(None if not slots or not nslots else slots / nslots, "{:,.0f} B")),
        ]
    return out


def verdicts(f):
    """The targets make bench checks, from the same figures."""
    w = lambda build, how: f("wall.%s.%s" % (build, how))
    added = lambda build, how: sub(w(build, how), w(build, "none"))
    sizes = [int(s) for s in f.text("meta.sizes", "").split(",") if s.isdigit()]
    big = sizes[1] if len(sizes) > 1 else None

    def met(ok):
        return "n/a" if ok is None else ("met" if ok else "NOT MET")

    pf, pb = added("plain", "fsprobe"), added("plain", "bpftrace")
    cf, cb = added("cet", "fsprobe"), added("cet", "bpftrace")
    prog = sub(f("prog.lookup_entry"), f("prog.empty"))
    scrape, rss = f("scrape.%s" % big), f("rss.%s" % big)
    got, want = f.text("exact.got", ""), f.text("exact.want", "")
    both = lambda a, b, test: None if a is None or b is None else test(a, b)
    return [
        ("fsprobe's added cost ≤ bpftrace's, plain build ([`fsprobe`](#cost-fsprobe), "
         "[`bpftrace`](#cost-bpftrace))", met(both(pf, pb, lambda a, b: a <= b))),
        ("≤ 1/10 of bpftrace's, `-fcf-protection` build ([`cet-fsprobe`](#cost-cet-fsprobe), "
         "[`cet-bpftrace`](#cost-cet-bpftrace))", met(both(cf, cb, lambda a, b: a * 10 <= b))),
        ("BPF program ≤ 100 ns per hit ([`program`](#cost-program))",
         met(None if prog is None else prog <= 100)),
        ("scrape of %s symbols ≤ 20 ms ([`scrape-%s`](#cost-scrape-%s))" % (num(big), big, big),
         met(None if scrape is None else scrape <= 20)),
        ("RSS ≤ 30 MB at %s symbols ([`rss-%s`](#cost-rss-%s))" % (num(big), big, big),
         met(None if rss is None else rss <= 30)),
        ("exact at top speed on 2 threads: %s hits and misses, the target's tally %s"
         % (got.replace(",", " and ") or "?", want.replace(",", " and ") or "?"),
         met(None if not got or not want else got == want)),
    ]


def render(r):
    f = Figures(r)
    out = [BEGIN, ""]
    out.append("`make bench` on %s: Linux %s, %s CPUs (%s). %s lookups per run on one thread, all "
               "hits, median of %s alternating runs; the plain build unless the row says "
               "`-fcf-protection`. `+` is added to a lookup."
               % (f.text("meta.date"), f.text("meta.kernel"), f.text("meta.cpus"), f.text("meta.cpu"),
                  num(f("meta.requests")), f.text("meta.runs")))
    out += ["", "| row | what | figure |", "|---|---|---:|"]
    for anchor, what, fig in rows(f):
        out.append('| <a id="cost-%s"></a>`%s` | %s | %s |' % (anchor, anchor, what, fig))
    out += ["", "| target | |", "|---|---|"]
    for what, verdict in verdicts(f):
        out.append("| %s | %s |" % (what, verdict))
    out.append("")
    kept = "\n".join("%s %s" % (k, v) for k, v in sorted(r.items()))
    if "--" in kept:
        sys.exit("cost_table: a result contains '--', which an HTML comment cannot hold")
    out += [RESULTS_OPEN, kept, "-->", END]
    return "\n".join(out)


def region(page):
    a, b = page.find(BEGIN), page.find(END)
    if a < 0 or b < a:
        sys.exit("cost_table: no cost table (%s ... %s) in the page" % (BEGIN, END))
    return a, b + len(END)


def kept_results(table):
    m = re.search(re.escape(RESULTS_OPEN) + r"\n(.*?)\n-->", table, re.S)
    if not m:
        sys.exit("cost_table: the table keeps no bench results")
    return parse_results(m.group(1))


def main(argv):
    if len(argv) == 4 and argv[1] == "write":
        r = parse_results(open(argv[2], encoding="utf-8").read())
        page = open(argv[3], encoding="utf-8").read()
        a, b = region(page)
        with open(argv[3], "w", encoding="utf-8") as out:
            out.write(page[:a] + render(r) + page[b:])
        return 0
    if len(argv) == 3 and argv[1] == "rerender":
        page = open(argv[2], encoding="utf-8").read()
        a, b = region(page)
        with open(argv[2], "w", encoding="utf-8") as out:
            out.write(page[:a] + render(kept_results(page[a:b])) + page[b:])
        return 0
    if len(argv) == 3 and argv[1] == "render":
        print(render(parse_results(open(argv[2], encoding="utf-8").read())))
        return 0
    if len(argv) == 3 and argv[1] in ("check", "rows"):
        page = open(argv[2], encoding="utf-8").read()
        a, b = region(page)
        table = page[a:b]
        if argv[1] == "rows":
            print("\n".join(re.findall(r'<a id="(cost-[a-z0-9-]+)"></a>', table)))
            return 0
        want = render(kept_results(table))
        if table != want:
            got_lines, want_lines = table.splitlines(), want.splitlines()
            for i, (g, w) in enumerate(zip(got_lines, want_lines)):
                if g != w:
                    print("cost table differs from its bench results at line %d:\n  page:    %s\n"
                          "  results: %s" % (i + 1, g, w))
                    break
            else:
                print("cost table differs from its bench results in length")
            print("(make bench rewrites it; after a change to cost_table.py's wording: "
                  "tests/bench/cost_table.py rerender docs/performance.md)")
            return 1
        if "n/a" in table:
            print("cost table: some figures are n/a (the last bench run lacked them)")
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
