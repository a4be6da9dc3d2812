#!/usr/bin/env bash
# OpenMetrics and gzip: what curl gets for each Accept and Accept-Encoding, checked by promtool
# (text format) and a strict OpenMetrics parser (promtool check metrics reads only the text
# format), a real Prometheus negotiating OpenMetrics with gzip, and how much gzip saves on a
# 10,000-symbol scrape.
. "$(dirname "$0")/../lib.sh"

PROM_ACCEPT='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
OM_TYPE='application/openmetrics-text; version=1.0.0; charset=utf-8'
om_parse() { # FILE: parses as OpenMetrics 1.0 (python3-prometheus-client, Debian's python)
	/usr/bin/python3 -c 'import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as p
print(len(list(p(open(sys.argv[1]).read()))), "families")' "$1"
}
header() { tr -d '\r' <"$1" | awk -v h="$2" 'BEGIN { IGNORECASE = 1 } index(tolower($0), tolower(h) ": ") == 1 { sub(/^[^:]*: /, ""); print; exit }'; }

fs_start fmt --threads 2 --requests 100000 --symbols 10000 --zipf 0 || finish
fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --latency || finish
fs_go fmt 120 || fail "the workload finishes"

# OpenMetrics when asked as Prometheus asks; the text format otherwise.
curl -s -D "$TMP/om.h" -H "Accept: $PROM_ACCEPT" "$FSP_URL" -o "$TMP/om"
check "Prometheus's Accept gets $OM_TYPE" test "$(header "$TMP/om.h" Content-Type)" = "$OM_TYPE"
check "OpenMetrics ends with # EOF" test "$(tail -1 "$TMP/om")" = "# EOF"
check "OpenMetrics: counter families without _total, samples with it" \
	grep -qx '# TYPE featurestore_hits counter' "$TMP/om"
check "OpenMetrics: # UNIT for the _seconds histograms" \
	grep -qx '# UNIT featurestore_lookup_duration_seconds seconds' "$TMP/om"
check "OpenMetrics parses strictly ($(om_parse "$TMP/om" 2>&1 | tail -1))" om_parse "$TMP/om"
curl -s -D "$TMP/text.h" "$FSP_URL" -o "$TMP/text"
check "no Accept gets the text format" \
	test "$(header "$TMP/text.h" Content-Type)" = "text/plain; version=0.0.4; charset=utf-8"
check "the text format passes promtool" promtool check metrics <"$TMP/text"
check "both formats carry the same samples" bash -c \
	"diff <(grep -v '^#' $TMP/text | grep -v '_seconds' | sort) <(grep -v '^#' $TMP/om | grep -v '_seconds' | sort)"

# gzip when asked.
curl -s -D "$TMP/gz.h" -H 'Accept-Encoding: gzip' "$FSP_URL" -o "$TMP/gz"
check "Accept-Encoding: gzip gets Content-Encoding: gzip" test "$(header "$TMP/gz.h" Content-Encoding)" = gzip
check "with Vary: Accept, Accept-Encoding" test "$(header "$TMP/gz.h" Vary)" = "Accept, Accept-Encoding"
check "the gzip body decompresses to metrics promtool accepts" bash -c "gzip -dc $TMP/gz | promtool check metrics"
check "without Accept-Encoding: no Content-Encoding" test -z "$(header "$TMP/text.h" Content-Encoding)"
curl -s -H "Accept: $PROM_ACCEPT" -H 'Accept-Encoding: gzip' "$FSP_URL" -o "$TMP/omgz"
gzip -dc "$TMP/omgz" >"$TMP/omgz.txt"
check "OpenMetrics with gzip decompresses and parses" om_parse "$TMP/omgz.txt"

# The 10,000-symbol scrape, plain and compressed (the load saw every symbol).
symbols=$(metric "$TMP/text" fsprobe_symbols)
size() { curl -s -o /dev/null -w '%{size_download}' "$@" "$FSP_URL"; }
for f in text om; do
	accept=()
	[ "$f" = om ] && accept=(-H "Accept: $PROM_ACCEPT")
	plain=$(size "${accept[@]}")
	packed=$(size "${accept[@]}" -H 'Accept-Encoding: gzip')
	# Median of 9 scrapes' time, each way.
	tp=$(for i in $(seq 9); do curl -s -o /dev/null -w '%{time_total}\n' "${accept[@]}" "$FSP_URL"; done | sort -n | sed -n 5p)
	tg=$(for i in $(seq 9); do curl -s -o /dev/null -w '%{time_total}\n' "${accept[@]}" --compressed "$FSP_URL"; done | sort -n | sed -n 5p)
	factor=$(awk -v a="$plain" -v b="$packed" 'BEGIN { printf "%.1f", a / b }')
	check "$f, $symbols symbols: $plain bytes, $packed gzipped (${factor}x smaller); scrape ${tp}s, ${tg}s gzipped" \
		awk -v f="$factor" 'BEGIN { exit !(f >= 4) }'
done

# A real Prometheus: it asks for OpenMetrics with gzip. Its metadata then name the counter
# family featurestore_hits (OpenMetrics) where the text format would say featurestore_hits_total.
port=${FSP_URL#http://127.0.0.1:}
port=${port%%/*}
pport=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fsprobe
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
prometheus --config.file "$TMP/prometheus.yml" --storage.tsdb.path "$TMP/prom" \
	--web.listen-address "127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
PIDS+=($!)
PROM=http://127.0.0.1:$pport
query() {
	curl -sf --get "$PROM/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' \
			2>/dev/null
}
up() { test "$(query 'up{job="fsprobe"}')" = 1; }
check "Prometheus scrapes fsprobe: up == 1" wait_for 30 up
series=$(query 'count(featurestore_hits_total)')
check "and ingests the per-symbol series ($series of featurestore_hits_total)" test "${series:-0}" -ge 9000
meta=$(curl -sf "$PROM/api/v1/metadata")
check "Prometheus parsed OpenMetrics: metadata has the family featurestore_hits, with its unit" \
	python3 -c 'import json, sys
m = json.loads(sys.argv[1])["data"]
sys.exit(not ("featurestore_hits" in m and "featurestore_hits_total" not in m
              and m["featurestore_lookup_duration_seconds"][0]["unit"] == "seconds"))' "$meta"
finish
