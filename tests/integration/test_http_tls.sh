#!/usr/bin/env bash
# --web.config.file: HTTPS with a minimum version and verified client certificates, basic auth,
# what curl sees for each wrong way in, a real Prometheus scraping over TLS with a client
# certificate and a password, and broken configurations refused at start (exit 2, one line).
# Certificates are made here by openssl, the bcrypt hash by htpasswd.
. "$(dirname "$0")/../lib.sh"

for t in openssl htpasswd prometheus; do
	command -v "$t" >/dev/null || { fail "$t is installed (make deps)"; finish; }
done
D=$TMP/pki
mkdir -p "$D"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/$1.key" 2>/dev/null; }
# sign NAME CN EXT: a certificate for NAME.key, signed by the test CA.
sign() {
	openssl req -new -key "$D/$1.key" -subj "/CN=$2" -out "$D/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$D/$1.csr" -CA "$D/ca.crt" -CAkey "$D/ca.key" -CAcreateserial \
			-days 1 -extfile <(printf '%s\n' "$3") -out "$D/$1.crt" 2>/dev/null
}
key ca && openssl req -x509 -new -key "$D/ca.key" -subj /CN=fsprobe-test-ca -days 1 -out "$D/ca.crt" &&
	key server && sign server localhost 'subjectAltName=IP:127.0.0.1,DNS:localhost' &&
	key client && sign client prometheus 'extendedKeyUsage=clientAuth' &&
	key rogue && openssl req -x509 -new -key "$D/rogue.key" -subj /CN=rogue -days 1 -out "$D/rogue.crt" ||
	{ fail "openssl makes the test certificates"; finish; }
HASH=$(htpasswd -nbBC 10 prom s3cret | cut -d: -f2)

# One config: TLS 1.3 only, client certificates from the test CA, one user. Paths relative.
cat >"$D/web.yml" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
basic_auth_users:
  prom: $HASH
EOF

fs_start tls --threads 1 --requests 2000 || finish
port=$(free_port)
URL=https://127.0.0.1:$port/metrics
"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --web.listen-address "127.0.0.1:$port" \
	--web.config.file "$D/web.yml" >"$TMP/fsp.log" 2>&1 &
FSP_PID=$!
PIDS+=($FSP_PID)
ID=(--cacert "$D/ca.crt" --cert "$D/client.crt" --key "$D/client.key")
code() { curl -s -m 5 -o "$TMP/body" -w '%{http_code}' "$@"; }
served() { test "$(code "${ID[@]}" -u prom:s3cret "$URL")" = 200; }
wait_for 20 served ||
	{ fail "fsprobe serves HTTPS" "$(tail -3 "$TMP/fsp.log")"; finish; }
kill -USR1 "$FS_PID"

check "the log says https" grep -q "metrics at https://127.0.0.1:$port/metrics" "$TMP/fsp.log"
check "certificate and password: 200, metrics pass promtool" bash -c \
	"curl -sf -m 5 ${ID[*]} -u prom:s3cret $URL | promtool check metrics"
check "wrong password: 401" test "$(code "${ID[@]}" -u prom:wrong "$URL")" = 401
check "no password: 401" test "$(code "${ID[@]}" "$URL")" = 401
check "401 says WWW-Authenticate: Basic realm=\"fsprobe\"" bash -c \
	"curl -s -m 5 -D - -o /dev/null ${ID[*]} -u prom:wrong $URL | tr -d '\r' |
		grep -qx 'WWW-Authenticate: Basic realm=\"fsprobe\"'"
curl -s -m 5 -o /dev/null "${ID[@]}" -u prom:s3cret --tlsv1.2 --tls-max 1.2 "$URL"
rc=$?
check "TLS 1.2 is refused when min_version is TLS13 (curl exit $rc, 35: handshake failed)" test "$rc" = 35
check "no client certificate: refused" test "$(code --cacert "$D/ca.crt" -u prom:s3cret "$URL")" = 000
check "a client certificate from another CA: refused" \
	test "$(code --cacert "$D/ca.crt" --cert "$D/rogue.crt" --key "$D/rogue.key" -u prom:s3cret "$URL")" = 000
start=$SECONDS
curl -s -m 10 -o /dev/null "http://127.0.0.1:$port/metrics"
rc=$?
check "plain HTTP to the TLS port fails cleanly (curl exit $rc in $((SECONDS - start)) s, no hang)" \
	test "$rc" != 0 -a "$rc" != 28
check "fsprobe still serves after the refusals" served

# A real Prometheus, over TLS 1.3 with the client certificate and the password.
pport=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fsprobe
    scheme: https
    tls_config:
      ca_file: $D/ca.crt
      cert_file: $D/client.crt
      key_file: $D/client.key
    basic_auth:
      username: prom
      password: s3cret
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
prometheus --config.file "$TMP/prometheus.yml" --storage.tsdb.path "$TMP/prom" \
	--web.listen-address "127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
PIDS+=($!)
query() {
	curl -sf --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' \
			2>/dev/null
}
up() { test "$(query 'up{job="fsprobe"}')" = 1; }
ingested() { test -n "$(query 'count(featurestore_hits_total)')"; }
check "Prometheus scrapes over TLS with a client certificate and basic auth: up == 1" wait_for 30 up
wait_for 10 ingested
series=$(query 'count(featurestore_hits_total)')
check "and ingests the per-symbol series ($series of featurestore_hits_total)" test -n "$series"

# Broken configurations: one line, exit 2, before anything is attached.
refused() { # NAME CONFIG-TEXT EXPECTED-PATTERN
	printf '%s' "$2" >"$D/bad.yml"
	"$FSPROBE" --pid "$FS_PID" --lookup "$LOOKUP" --miss "$MISS" --web.listen-address 127.0.0.1:1 \
		--web.config.file "$D/bad.yml" >"$TMP/bad.out" 2>&1
	local rc=$? lines
	lines=$(wc -l <"$TMP/bad.out")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q "$3" "$TMP/bad.out"; then
		pass "$1: exit 2, '$(cat "$TMP/bad.out")'"
	else
		fail "$1" "exit $rc, $lines lines: $(head -3 "$TMP/bad.out")"
	fi
}
refused "an unknown key" $'tls_server_config:\n  cert_file: server.crt\n  keyfile: server.key\n' \
	"bad.yml:3:3: tls_server_config: unknown key 'keyfile'"
refused "broken YAML" $'tls_server_config:\n  cert_file: "server.crt\n' "bad.yml:3:1: YAML: "
refused "a key that is not the certificate's" \
	$'tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n' "bad.yml:3:13: cert_file"
refused "a missing certificate file" $'tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n' \
	"bad.yml:2:14: cert_file .*nope.crt: No such file"
refused "a password that is not a bcrypt hash" $'basic_auth_users:\n  prom: s3cret\n' \
	"bad.yml:2:9: basic_auth_users: 'prom': expected a bcrypt hash"
finish
