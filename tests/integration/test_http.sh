#!/usr/bin/env bash
# The exporter's HTTP surface: content type, landing page, 404, 405, HEAD, telemetry path.
. "$(dirname "$0")/../lib.sh"

fs_start http --threads 1 --requests 1000 || finish
FSP_PATH=/probe/metrics fsp_start fsp --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --web.telemetry-path /probe/metrics ||
	finish
base=${FSP_URL%/probe/metrics}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

check "metrics at the configured path" test "$(code "$base/probe/metrics")" = 200
check "content type is text format 0.0.4" bash -c \
	"curl -sI $base/probe/metrics | tr -d '\r' | grep -qx 'Content-Type: text/plain; version=0.0.4; charset=utf-8'"
check "landing page links to the metrics" bash -c "curl -s $base/ | grep -q 'href=\"/probe/metrics\"'"
check "unknown path is 404" test "$(code "$base/metrics")" = 404
check "POST is 405" test "$(code -X POST "$base/probe/metrics")" = 405
check "405 says which methods are allowed" bash -c \
	"curl -s -D - -o /dev/null -X DELETE $base/probe/metrics | tr -d '\r' | grep -qx 'Allow: GET, HEAD'"
check "HEAD is 200 with no body" test "$(curl -s -I "$base/probe/metrics" -o /dev/null -w '%{http_code} %{size_download}')" = "200 0"
finish
