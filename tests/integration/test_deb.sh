#!/usr/bin/env bash
# make deb and the package's life on this machine: built under $OUTPUT only, the contents the
# issue lists, Depends from dpkg-shlibdeps, lintian clean (overrides explained in
# debian/fsprobe.lintian-overrides), apt-get install with its dependencies, the unit accepted
# by systemd-analyze verify, its exposure score the one docs/deployment/README.md records,
# the installed unit started under systemd against the demo feature store placed where
# /etc/default/fsprobe looks for it, and apt-get purge leaving nothing behind.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/systemd.sh"

# ok NAME CMD...: check, returning whether it passed (check itself always returns 0).
ok() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; return 1; fi
}

PURGE= PLACED= DROP_IN= BIN=
restore() {
	if [ ${#SD[@]} = 0 ] && [ -e "$DROP_IN" ]; then rm -f "$DROP_IN" && systemctl daemon-reload; fi
	sd_stop
	if [ -n "$PLACED" ]; then
		rm -f "$BIN"
		[ -e "$TMP/kept-binary" ] && mv "$TMP/kept-binary" "$BIN"
	fi
	if [ -n "$PURGE" ] && dpkg-query -W -f='${Status}' fsprobe 2>/dev/null | grep -q installed; then
		"${APT[@]}" purge fsprobe >/dev/null 2>&1
	fi
	cleanup
}

VERSION=$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
DEB=$OUTPUT/fsprobe_${VERSION}_$(dpkg --print-architecture).deb
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive

# --- build ---
git -C "$ROOT" status --porcelain --ignored >"$TMP/tree.before"
ls "$ROOT/.." >"$TMP/parent.before"
rm -f "$DEB"
make --no-print-directory -C "$ROOT" OUTPUT="$OUTPUT" deb >"$TMP/make" 2>&1
ok "make deb builds $(basename "$DEB") ($(du -k "$DEB" 2>/dev/null | cut -f1) KiB)" test -s "$DEB" ||
	{ tail -20 "$TMP/make"; finish; }
git -C "$ROOT" status --porcelain --ignored >"$TMP/tree.after"
ls "$ROOT/.." >"$TMP/parent.after"
check "make deb writes nothing outside \$OUTPUT (source tree, its parent)" bash -c "
	cmp -s '$TMP/tree.before' '$TMP/tree.after' && cmp -s '$TMP/parent.before' '$TMP/parent.after'"

dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|' >"$TMP/contents"
for f in /usr/sbin/fsprobe /lib/systemd/system/fsprobe.service /etc/default/fsprobe \
	/usr/share/man/man8/fsprobe.8.gz /usr/share/bash-completion/completions/fsprobe \
	/usr/share/fsprobe/alerts/featurestore_rules.yml /usr/share/fsprobe/alerts/fsprobe_observer_rules.yml \
	/usr/share/fsprobe/alerts/alertmanager.yml /usr/share/fsprobe/dashboards/featurestore_slo.json \
	/usr/share/fsprobe/runbooks/featurestore_slo.md /usr/share/doc/fsprobe/copyright; do
	check "the package has $f" grep -qxF "$f" "$TMP/contents"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles >"$TMP/conffiles"
check "/etc/default/fsprobe is a conffile" grep -qx /etc/default/fsprobe "$TMP/conffiles"
check "Version is VERSION from the Makefile ($VERSION)" test "$(dpkg-deb -f "$DEB" Version)" = "$VERSION"

# Depends: written by dpkg-shlibdeps (dh_shlibdeps), none by hand: each package in it holds a
# library the binary is linked with, and the libraries fsprobe calls are all there.
check "debian/control has no hand-written Depends" \
	grep -qx 'Depends: ${shlibs:Depends}, ${misc:Depends}' "$ROOT/debian/control"
dpkg-deb -f "$DEB" Depends | tr ',' '\n' | awk '{ print $1 }' | sort -u >"$TMP/depends"
dpkg-deb -x "$DEB" "$TMP/root"
readelf -d "$TMP/root/usr/sbin/fsprobe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r so; do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so && /x86-64/ { print $NF; exit }')
	# By file name: dpkg knows some libraries under /lib, others under /usr/lib (merged /usr).
	dpkg -S "*/$(basename "$(readlink -f "$path")")" 2>/dev/null | cut -d: -f1
done | sort -u >"$TMP/linked"
check "Depends ($(echo $(cat "$TMP/depends"))) only names packages of linked libraries" \
	test -z "$(comm -23 "$TMP/depends" "$TMP/linked")"
check "Depends has libbpf1, libelf1, libmicrohttpd12, libcapstone4" bash -c "
	for p in libbpf1 libelf1 libmicrohttpd12 libcapstone4; do grep -qx \$p '$TMP/depends' || exit 1; done"
check "the packaged man page shows version $VERSION" bash -c "
	zcat '$TMP/root/usr/share/man/man8/fsprobe.8.gz' | grep -q '^\.TH .*\"fsprobe $VERSION\"'"

# lintian: no error, no warning; what it still says is an override with its reason.
lintian -I --pedantic --show-overrides --fail-on error,warning "$OUTPUT/deb/"*.changes \
	>"$TMP/lintian" 2>&1
check "lintian: no errors or warnings" test $? = 0
check "lintian: every override is used" bash -c "! grep -Eq 'unused-override|mismatched-override' '$TMP/lintian'"
grep -E '^[EWIP]:' "$TMP/lintian" | grep -v 'running with root' >&2

# --- the unit, before installing ---
systemd-analyze security --offline=yes "$ROOT/docs/deployment/fsprobe.service" --no-pager \
	>"$TMP/security" 2>&1
score=$(sed -n 's/.*Overall exposure level for fsprobe.service: \([0-9.]*\).*/\1/p' "$TMP/security")
check "systemd-analyze security: a score ($score)" test -n "$score"
check "docs/deployment/README.md records it" \
	grep -q "Overall exposure level for fsprobe.service: $score" "$ROOT/docs/deployment/README.md"

# --- install ---
if dpkg-query -W -f='${Status}' fsprobe 2>/dev/null | grep -q 'ok installed'; then
	# A package left from an earlier run is replaced; one with a changed configuration is not.
	dpkg-query -W -f='${Conffiles}\n' fsprobe | awk 'NF == 2 { print $2 "  " $1 }' | md5sum -c --quiet ||
		{ fail "fsprobe is installed with a changed /etc/default/fsprobe: not replacing it"; finish; }
fi
"${APT[@]}" install --simulate "$DEB" >"$TMP/simulate" 2>&1
check "apt-get can satisfy its dependencies" test $? = 0
(cd "$OUTPUT" && "${APT[@]}" install "./$(basename "$DEB")") >"$TMP/install" 2>&1
status=$?
# Whatever happens from here, the machine is left as it was: the package purged, the unit's
# systemd stopped, the default binary path restored (restore, below).
PURGE=1
trap restore EXIT
ok "apt-get install ./$(basename "$DEB")" test $status = 0 || { tail -5 "$TMP/install"; finish; }
check "installed: dpkg says $VERSION" test "$(dpkg-query -W -f='${Version}' fsprobe)" = "$VERSION"
check "installed: each dependency too" bash -c "
	for p in \$(cat '$TMP/depends'); do dpkg-query -W -f='\${Status}' \$p | grep -q 'ok installed' || exit 1; done"
dpkg -L fsprobe | sort >"$TMP/installed"
check "/usr/sbin/fsprobe --version prints $VERSION" bash -c "/usr/sbin/fsprobe --version | grep -q '^fsprobe $VERSION '"
check "man fsprobe finds the page" test "$(man -w fsprobe 2>/dev/null)" = /usr/share/man/man8/fsprobe.8.gz
check "man fsprobe shows version $VERSION" bash -c "MANWIDTH=100 man fsprobe 2>/dev/null | grep -q 'fsprobe $VERSION'"
check "bash loads the completion for fsprobe" bash -c "
	. /usr/share/bash-completion/bash_completion; __load_completion fsprobe &&
	complete -p fsprobe | grep -q '_fsprobe fsprobe'"
systemd-analyze verify /lib/systemd/system/fsprobe.service >"$TMP/verify" 2>&1
status=$?
ok "systemd-analyze verify accepts the installed unit, silently" eval '[ $status = 0 ] && [ ! -s "$TMP/verify" ]' ||
	cat "$TMP/verify" >&2

# --- the installed unit, run by systemd ---
# The default /etc/default/fsprobe observes --binary PATH; the demo feature store is placed
# there (an existing file is kept aside and put back). Only the listen address is changed,
# and only when another process already listens on the default one.
BIN=$(sed -n 's/^FSPROBE_TARGET=--binary //p' /etc/default/fsprobe)
LISTEN=$(sed -n 's/^FSPROBE_LISTEN=//p' /etc/default/fsprobe)
DROP_IN=/run/systemd/system/fsprobe.service.d/fsprobe-test.conf
[ -e "$BIN" ] && mv "$BIN" "$TMP/kept-binary"
install -D -m 0755 "$FEATURESTORE" "$BIN"
PLACED=1

sd_start
status=$?
ok "a systemd to run the unit (PID 1 is $(cat /proc/1/comm)$([ ${#SD[@]} = 0 ] ||
	echo ', so a throw-away systemd in new namespaces'))" test $status = 0 || finish
sd() { "${SD[@]}" "$@"; }
prop() { sd systemctl show -p "$1" --value fsprobe; }
# env_files FILE...: give the unit these further EnvironmentFiles, or none; a later file's
# variables win over /etc/default/fsprobe's.
ENV_FILES=()
env_files() {
	local f conf='[Service]\n'
	for f in "$@"; do conf+="EnvironmentFile=$f\n"; done
	sd sh -c "mkdir -p '${DROP_IN%/*}' && printf '$conf' >'$DROP_IN' && systemctl daemon-reload"
}
if ss -Hltn "sport = :${LISTEN##*:}" | grep -q .; then
	LISTEN=127.0.0.1:$(free_port)
	echo "FSPROBE_LISTEN=$LISTEN" >"$TMP/listen.env"
	ENV_FILES=("$TMP/listen.env")
	env_files "${ENV_FILES[@]}"
	pass "the default port is busy here: FSPROBE_LISTEN=$LISTEN, nothing else changed"
fi
URL=http://$LISTEN/metrics
sd systemd-run --quiet --unit=fsprobe-test-featurestore --collect "$BIN" --threads 2 --rate 2000 \
	--tally /dev/null
sd systemctl start fsprobe
check "systemctl start fsprobe" test $? = 0
metrics_ok() {
	curl -sf "$URL" -o "$TMP/unit.metrics" && grep -q '^fsprobe_target_up 1' "$TMP/unit.metrics" &&
		grep -q '^featurestore_hits_total{' "$TMP/unit.metrics"
}
ok "the unit serves metrics of the demo feature store at $URL" wait_for 20 metrics_ok ||
	sd journalctl -u fsprobe -n 5 --no-pager >&2
check "both probes attached" test "$(grep -c '^fsprobe_probe_attached{.*} 1$' "$TMP/unit.metrics")" = 2

# What fsprobe runs with.
pid=$(prop MainPID)
sd cat "/proc/$pid/status" >"$TMP/status"
status_is() { grep -qx "$1:.$2" "$TMP/status"; }
# in_unit CMD...: CMD in fsprobe's mount namespace, as root with every capability.
in_unit() { sd nsenter -t "$pid" -m "$@"; }
read_only() { ! in_unit touch "$1/.fsprobe-test" 2>/dev/null || { in_unit rm -f "$1/.fsprobe-test"; false; }; }
# The unit grants CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21) and nothing
# else; once attached (--binary) fsprobe keeps CAP_SYS_PTRACE alone (and CAP_BPF (39) on kernels
# that ask for it at every map read, as fsprobe check says).
want_eff=0000000000080000
fsprobe check | grep -q '^capabilities kept once attached: bpf' && want_eff=0000008000080000
check "capabilities: the unit grants CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH, nothing else" \
	eval 'status_is CapBnd 0000000000280004 && status_is CapAmb 0000000000000000'
check "capabilities: once attached fsprobe keeps only CAP_SYS_PTRACE" eval "status_is CapEff $want_eff"
check "NoNewPrivileges, and a seccomp filter" eval 'status_is NoNewPrivs 1 && status_is Seccomp 2'
check "/usr and /etc are read-only for it (ProtectSystem=strict)" eval 'read_only /usr && read_only /etc'
if [ -d /home ]; then
	check "/home is read-only for it, not hidden (ProtectHome=read-only)" eval \
		'read_only /home && test "$(in_unit ls -A /home)" = "$(sd ls -A /home)"'
fi
in_unit touch /tmp/.fsprobe-test-private
check "its /tmp is its own (PrivateTmp)" test ! -e /tmp/.fsprobe-test-private
in_unit rm -f /tmp/.fsprobe-test-private

# Restart on failure, within the limit; not on bad usage.
sd systemctl kill -s SEGV fsprobe
restarted() { [ "$(prop NRestarts)" = 1 ] && [ "$(prop ActiveState)" = active ] && metrics_ok; }
check "a crash restarts it (RestartSec=5s)" wait_for 20 restarted
echo 'FSPROBE_KEY=cstr(arg0' >"$TMP/bad.env"
env_files "${ENV_FILES[@]}" "$TMP/bad.env"
sd systemctl restart fsprobe
failed() { [ "$(prop ActiveState)" = failed ]; }
wait_for 15 failed
sleep 6 # past RestartSec
check "a bad setting (exit 2) is not restarted" eval \
	'[ "$(prop ActiveState)" = failed ] && [ "$(prop ExecMainStatus)" = 2 ]'
env_files "${ENV_FILES[@]}"
sd systemctl reset-failed fsprobe
sd systemctl start fsprobe
check "started again once the setting is fixed" wait_for 20 metrics_ok
sd systemctl stop fsprobe
check "systemctl stop: SIGTERM, exit 0" eval '[ "$(prop ActiveState)" = inactive ] && [ "$(prop Result)" = success ]'
sd systemd-analyze security fsprobe.service --no-pager 2>/dev/null | tail -1 >"$TMP/security.live"
check "systemd scores the loaded unit $score too" grep -q "fsprobe.service: $score" "$TMP/security.live"
sd systemctl stop fsprobe-test-featurestore
if [ ${#SD[@]} = 0 ]; then rm -f "$DROP_IN" && systemctl daemon-reload; fi
sd_stop

# --- purge ---
"${APT[@]}" purge fsprobe >"$TMP/purge" 2>&1
check "apt-get purge fsprobe" test $? = 0
check "dpkg no longer knows fsprobe" bash -c "! dpkg-query -W -f='\${Status}' fsprobe 2>/dev/null | grep -q installed"
left=$(while read -r f; do
	# Shared directories (/usr, /usr/share/man, ...) stay; fsprobe's own files and folders go.
	if [ -d "$f" ]; then case $f in */fsprobe | */fsprobe/*) echo "$f" ;; esac
	elif [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi
done <"$TMP/installed")
ok "purge removed all $(wc -l <"$TMP/installed") paths dpkg -L listed (shared folders aside)" test -z "$left" ||
	echo "left: $left" >&2
check "/etc/default/fsprobe is gone (conffile purged)" test ! -e /etc/default/fsprobe
finish
