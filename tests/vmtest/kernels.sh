#!/usr/bin/env bash
# kernels.sh SERIES...: make sure Debian's kernel of each SERIES (5.10, 6.1, 6.12) is in the
# vmtest cache, and print one line per series: "SERIES RELEASE VMLINUZ".
#
#   5.10  linux-image-5.10.0-N-amd64       bullseye, bullseye-security
#   6.1   linux-image-6.1.0-N-amd64        bookworm, bookworm-security
#   6.12  linux-image-6.12.N+deb12-amd64   bookworm-backports (and bookworm-security, which
#                                          now carries newer 6.12 builds for bookworm)
#
# The newest package of the series across those suites is taken at the first fetch and kept:
# later runs use the cached vmlinuz and need no network. FSP_VMTEST_REFRESH=1 looks again.
#
# apt runs with a private configuration (its own sources list, lists, state and archive
# directories under the cache), so the machine's /etc/apt sources and state stay untouched.
# The mirror hosts are the ones the machine's apt sources use; FSP_VMTEST_MIRROR and
# FSP_VMTEST_SECURITY_MIRROR override them.
#
# Cache layout (${FSP_VMTEST_CACHE:-/var/cache/fsprobe-vmtest}):
#   apt/                          private apt configuration, lists and state
#   debs/*.deb                    the downloaded kernel packages
#   kernels/SERIES/vmlinuz        the kernel, from the package's /boot
#   kernels/SERIES/config         its /boot/config-*
#   kernels/SERIES/info           package=, version=, suite=, release=, fetched=
set -u

CACHE=${FSP_VMTEST_CACHE:-/var/cache/fsprobe-vmtest}
KEYRING=${FSP_VMTEST_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
SUITES="bullseye bullseye-security bookworm bookworm-security bookworm-backports"
# Built into every kernel we boot: the initramfs is the root file system, there are no modules.
NEEDED_CONFIG="CONFIG_BPF_SYSCALL CONFIG_DEBUG_INFO_BTF CONFIG_UPROBES CONFIG_UPROBE_EVENTS
CONFIG_BPF_EVENTS CONFIG_BLK_DEV_INITRD CONFIG_DEVTMPFS CONFIG_SERIAL_8250_CONSOLE
CONFIG_TRACING CONFIG_CGROUPS"

die() {
	echo "vmtest: $*" >&2
	exit 1
}

# mirror SUFFIX: the first http(s) URI of the machine's apt sources ending in /SUFFIX.
mirror() {
	local f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		for uri in $(sed -n -e 's/^[[:space:]]*URIs:[[:space:]]*//p' \
			-e 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' "$f"); do
			case $uri in
			http://*/"$1" | https://*/"$1" | http://*/"$1"/ | https://*/"$1"/)
				echo "${uri%/}"
				return 0
				;;
			esac
		done
	done
	return 1
}

APT_DIR=$CACHE/apt
APT_OPTS=(
	-o "Dir::Etc::SourceList=$APT_DIR/sources.list"
	-o "Dir::Etc::SourceParts=$APT_DIR/empty.d"
	-o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=$APT_DIR/empty.d"
	-o "Dir::Etc::TrustedParts=$APT_DIR/empty.d"
	-o "Dir::State=$APT_DIR/state"
	-o "Dir::State::status=$APT_DIR/state/status"
	-o "Dir::Cache=$APT_DIR/cache"
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64"
	# Old suites' Release files are signed, but may be past their Valid-Until on a frozen mirror.
	-o "Acquire::Check-Valid-Until=false"
	-o "Acquire::Languages=none"
	-o "Debug::NoLocking=1"
	# apt-get download writes into the cache as root; no _apt sandbox warning about it.
	-o "APT::Sandbox::User=root"
	-q
)

apt_setup() {
	local main sec s
	[ -r "$KEYRING" ] || die "no $KEYRING (apt-get install debian-archive-keyring)"
	main=${FSP_VMTEST_MIRROR:-$(mirror debian || echo http://deb.debian.org/debian)}
	sec=${FSP_VMTEST_SECURITY_MIRROR:-$(mirror debian-security || echo "${main%/debian}/debian-security")}
	mkdir -p "$APT_DIR/empty.d" "$APT_DIR/state/lists/partial" "$APT_DIR/cache/archives/partial" \
		"$CACHE/debs" || die "cannot create $APT_DIR"
	: >>"$APT_DIR/state/status"
	{
		for s in $SUITES; do
			case $s in
			*-security) echo "deb [signed-by=$KEYRING] $sec $s main" ;;
			*) echo "deb [signed-by=$KEYRING] $main $s main" ;;
			esac
		done
	} >"$APT_DIR/sources.list"
}

APT_UPDATED=0
apt_update() {
	[ "$APT_UPDATED" = 1 ] && return 0
	echo "vmtest: apt-get update (private lists in $APT_DIR)" >&2
	apt-get "${APT_OPTS[@]}" update >"$APT_DIR/update.log" 2>&1 || {
		cat "$APT_DIR/update.log" >&2
		die "apt-get update failed (private sources: $APT_DIR/sources.list)"
	}
	APT_UPDATED=1
}

# newest SERIES: "PACKAGE VERSION SUITE" of the newest linux-image of SERIES.
newest() {
	local re names best="" bestv="" pkg ver src
	re="^linux-image-${1//./\\.}\\.[0-9]+(-[0-9]+)?(\\+[a-z0-9.]+)?-amd64\$"
	names=$(apt-cache "${APT_OPTS[@]}" pkgnames linux-image- | grep -E "$re") ||
		die "no package matches $re in $SUITES"
	# madison: "pkg | version | URI suite/main amd64 Packages"; one word per package name.
	# shellcheck disable=SC2086
	while IFS='|' read -r pkg ver src; do
		pkg=${pkg// /} ver=${ver// /}
		if [ -z "$bestv" ] || dpkg --compare-versions "$ver" gt "$bestv"; then
			best="$pkg $ver $(echo "$src" | awk '{ split($2, a, "/"); print a[1] }')"
			bestv=$ver
		fi
	done < <(apt-cache "${APT_OPTS[@]}" madison $names)
	[ -n "$best" ] || die "no version found for the $1 kernels"
	echo "$best"
}

# fetch SERIES: download and unpack the newest kernel of SERIES into the cache.
fetch() {
	local series=$1 pkg ver suite deb dir tmp rel c
	dir=$CACHE/kernels/$series
	apt_update
	read -r pkg ver suite < <(newest "$series") || exit 1
	deb=$CACHE/debs/${pkg}_${ver//:/%3a}_amd64.deb
	if [ ! -s "$deb" ]; then
		echo "vmtest: downloading $pkg $ver ($suite)" >&2
		(cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download "$pkg=$ver" >&2) ||
			die "apt-get download $pkg=$ver failed"
		[ -s "$deb" ] || deb=$(ls -t "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -1)
		[ -s "$deb" ] || die "apt-get download left no $pkg .deb in $CACHE/debs"
	fi
	tmp=$(mktemp -d "$CACHE/unpack.XXXXXX") || exit 1
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*' ||
		{ rm -rf "$tmp"; die "cannot unpack /boot from $deb"; }
	rel=$(cd "$tmp/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//')
	[ -n "$rel" ] && [ -f "$tmp/boot/config-$rel" ] || { rm -rf "$tmp"; die "no vmlinuz/config in $deb"; }
	for c in $NEEDED_CONFIG; do
		grep -q "^$c=y" "$tmp/boot/config-$rel" || { rm -rf "$tmp"; die "$pkg: $c is not =y"; }
	done
	rm -rf "$dir" && mkdir -p "$dir" &&
		mv "$tmp/boot/vmlinuz-$rel" "$dir/vmlinuz" && mv "$tmp/boot/config-$rel" "$dir/config" &&
		printf 'package=%s\nversion=%s\nsuite=%s\nrelease=%s\nfetched=%s\n' "$pkg" "$ver" "$suite" \
			"$rel" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/info" || die "cannot fill $dir"
	rm -rf "$tmp"
	echo "vmtest: $series is $pkg $ver from $suite" >&2
}

[ $# -gt 0 ] || die "usage: kernels.sh SERIES... (5.10, 6.1, 6.12)"
for series; do
	case $series in
	5.10 | 6.1 | 6.12) ;;
	*) die "unknown kernel '$series' (5.10, 6.1 or 6.12)" ;;
	esac
done
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || die "needs apt-get and dpkg-deb"
mkdir -p "$CACHE" || die "cannot create $CACHE (set FSP_VMTEST_CACHE)"
apt_setup
for series; do
	dir=$CACHE/kernels/$series
	if [ "${FSP_VMTEST_REFRESH:-0}" = 1 ] || [ ! -s "$dir/vmlinuz" ] || [ ! -s "$dir/info" ]; then
		fetch "$series"
	fi
	rel=$(sed -n 's/^release=//p' "$dir/info")
	echo "$series $rel $dir/vmlinuz"
done
