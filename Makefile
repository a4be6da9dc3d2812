# fsprobe: observe a running process's feature cache with uprobes, export Prometheus metrics.
#
#   make            build fsprobe and the demo targets into $(OUTPUT)/
#   make test       install packages, build, run unit, real-kernel and vmtest tests (root)
#   make bench      per-lookup cost of the demo target with and without fsprobe (root)
#   make demo       install, build, run fsprobe on the demo feature store (root)
#   make install    install fsprobe under $(DESTDIR)$(prefix)
#   make deps       install the Debian packages everything above needs (root)
#   make clean      remove $(OUTPUT)/
#
# V=1 shows every command.

VERSION    := 0.1.0
OUTPUT     ?= build
prefix     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
PKG_CONFIG ?= pkg-config

# The one list of Debian packages: make deps installs it, and test, demo and bench depend on deps.
DEPS := make clang llvm gcc libc6-dev pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev \
	libmicrohttpd-dev libgnutls28-dev libyaml-dev libcrypt-dev libcapstone-dev libcmocka-dev \
	prometheus prometheus-alertmanager bpftrace tmux curl jq openssl apache2-utils python3 \
	python3-yaml python3-prometheus-client procps util-linux iproute2 binutils g++ golang-go rustc \
	podman nodejs scdoc man-db bash-completion debhelper dpkg-dev lintian systemd busybox-static

# make vmtest boots Debian's own kernels under qemu; only it needs these.
DEPS_VMTEST := qemu-system-x86 busybox-static cpio debian-archive-keyring

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# x86-64 only: probe placement, lazy counting, the reach analysis and the BPF programs decode
# or assume x86-64 code (call rel32, the return address at [sp]). Refuse elsewhere, by name.
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/')
ifneq ($(ARCH),x86)
$(error fsprobe builds for x86-64 only (this machine: $(ARCH)): probe placement, lazy counting \
	and the BPF programs assume x86-64 code)
endif

CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Werror
# user/ in the order a lookup travels: what was asked (spec), where to probe (target), load,
# attach and read (probe), the text format and HTTP (export), the terminal commands (term).
USER_DIRS := lib spec target probe export term agent
USER_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -DFSP_VERSION='"$(VERSION)"' \
	-MMD -MP -I$(OUTPUT) -Ibpf $(addprefix -Iuser/,$(USER_DIRS))
USER_LIBS := -lbpf -lelf -lz -lmicrohttpd -lgnutls -lyaml -lcrypt -lcapstone -lstdc++
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARNINGS) \
	-Wno-unused-function -Ibpf

# Only these include the BPF skeletons (clang, bpftool); the rest form libfsprobe.a, which the unit
# tests link, so they build and run without a BPF toolchain (make unit-nobpf proves it).
SKEL_SRCS := user/probe/object.c
USER_SRCS := $(wildcard $(addsuffix /*.c,$(addprefix user/,$(USER_DIRS))))
PURE_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(filter-out $(SKEL_SRCS),$(USER_SRCS)))
SKEL_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(SKEL_SRCS))
LIBFSP    := $(OUTPUT)/libfsprobe.a
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
# Two objects from one source: fsprobe (the fast path) and fsprobe_compat (-DFSP_COMPAT, for
# kernels without task storage or BPF atomics, 5.10). The loader picks one by probing the kernel.
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS)) $(OUTPUT)/fsprobe_compat.skel.h

TARGET_CFLAGS := -O2 -g -pthread $(WARNINGS)
TARGETS := $(OUTPUT)/featurestore $(OUTPUT)/featurestore-cet $(OUTPUT)/edge

# Keep generated objects and skeletons between runs; never keep a half-written one.
.SECONDARY:
.DELETE_ON_ERROR:

.PHONY: all deps deps-vmtest vmtest soak vmlinux test unit unit-nobpf integration targets bench demo install clean
all: $(OUTPUT)/fsprobe $(TARGETS)

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# bpf/vmlinux.h is kept in the repo, as libbpf-tools keeps theirs: the build does not depend on
# the build host's kernel, and CO-RE relocates the programs to each kernel they load on (5.10
# and later). make vmlinux regenerates it from the running kernel's BTF (a newer kernel's is a
# superset of what older ones have); commit the result.
vmlinux:
	$(call msg,GEN,bpf/vmlinux.h)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h.tmp && \
		mv bpf/vmlinux.h.tmp bpf/vmlinux.h

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/fsprobe.h $(wildcard bpf/*.bpf.h) bpf/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/fsprobe_compat.bpf.o: bpf/fsprobe.bpf.c bpf/fsprobe.h $(wildcard bpf/*.bpf.h) \
		bpf/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DFSP_COMPAT -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# Header dependencies come from the compiler (-MMD); the skeleton must exist before the first build.
$(SKEL_OBJS): $(SKELS)

$(OUTPUT)/user/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(LIBFSP): $(PURE_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/fsprobe: $(OUTPUT)/user/main.o $(SKEL_OBJS) $(LIBFSP)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) $^ $(USER_LIBS) -o $@

# The demo target twice: plain, and with -fcf-protection (endbr64 first in every function), the
# default on several distributions and the case probe placement exists for.
$(OUTPUT)/featurestore: $(wildcard uprobes-targets/featurestore/*.[ch]) \
		$(wildcard uprobes-targets/common/*.[ch]) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fcf-protection=none $(filter %.c,$^) -lm -o $@

$(OUTPUT)/featurestore-cet: $(wildcard uprobes-targets/featurestore/*.[ch]) \
		$(wildcard uprobes-targets/common/*.[ch]) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fcf-protection=full $(filter %.c,$^) -lm -o $@

# Installs only what is missing, so repeated runs stay fast and offline (no apt call at all
# when everything is there).
define install_missing
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(DEPS))

deps-vmtest:
	$(call install_missing,$(DEPS) $(DEPS_VMTEST))

include tests/unit/unit.mk
include deploy.mk
include deb.mk
include fuzz.mk

# The unit tests again in a separate output folder, with clang and bpftool replaced by commands
# that fail: the pure modules must not need the BPF toolchain or the kernel's BTF.
NOBPF := $(OUTPUT)/nobpf
unit-nobpf:
	$(Q)mkdir -p $(NOBPF)/bin
	$(Q)for t in clang llc bpftool; do printf '#!/bin/sh\necho "$$t is hidden by make unit-nobpf" >&2\nexit 127\n' \
		> $(NOBPF)/bin/$$t; chmod +x $(NOBPF)/bin/$$t; done
	$(Q)PATH=$(abspath $(NOBPF)/bin):$$PATH $(MAKE) --no-print-directory OUTPUT=$(NOBPF)/out \
		CLANG=clang BPFTOOL=bpftool unit

# Pairing edge cases (tail call, unreadable keys, a thread idle below its last lookup).
$(OUTPUT)/edge: uprobes-targets/edge/edge.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(TARGET_CFLAGS) -fcf-protection=none $< -o $@

# Caches in C++, Go, Rust and other C shapes, for the integration tests (a language whose
# toolchain is missing is skipped with a message; make deps installs them all).
TARGET_SRCS := $(wildcard uprobes-targets/cxx/* uprobes-targets/go/* uprobes-targets/rust/* \
	uprobes-targets/common/* \
	uprobes-targets/cshapes/*) uprobes-targets/build-targets.sh
$(OUTPUT)/targets/.built: $(TARGET_SRCS) | $(OUTPUT)
	$(call msg,TARGETS,$(OUTPUT)/targets)
	$(Q)bash uprobes-targets/build-targets.sh $(OUTPUT)/targets $(if $(V),,>/dev/null) && touch $@

targets: $(OUTPUT)/targets/.built

integration: all targets
	$(Q)FSPROBE=$(OUTPUT)/fsprobe OUTPUT=$(OUTPUT) bash tests/run.sh

# Unit tests without the BPF toolchain, real-kernel integration tests on this kernel, then the
# checks on Debian's 5.10, 6.1 and 6.12 kernels under qemu.
test: deps-vmtest
	$(Q)$(MAKE) --no-print-directory unit-nobpf
	$(Q)$(MAKE) --no-print-directory integration
	$(Q)OUTPUT=$(OUTPUT) bash tests/vmtest/vmtest.sh $(VMTEST_KERNELS)

# Boots Debian's 5.10, 6.1 and 6.12 kernels under qemu and runs the real-kernel checks in each
# (tests/vmtest/README.md); VMTEST_KERNELS picks some.
vmtest: deps-vmtest
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUTPUT=$(OUTPUT) bash tests/vmtest/vmtest.sh $(VMTEST_KERNELS)

# Ten minutes of a million distinct raw keys (not in CI): memory, fds and counts stay right.
soak: deps
	$(Q)$(MAKE) --no-print-directory all targets
	$(Q)FSPROBE=$(OUTPUT)/fsprobe OUTPUT=$(OUTPUT) bash tests/soak/soak.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUTPUT=$(OUTPUT) bash tests/bench/bench.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUTPUT=$(OUTPUT) bash uprobes-targets/demo.sh

install: $(OUTPUT)/fsprobe
	install -D -m 0755 $(OUTPUT)/fsprobe $(DESTDIR)$(prefix)/sbin/fsprobe

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(PURE_OBJS:.o=.d) $(SKEL_OBJS:.o=.d) $(OUTPUT)/user/main.d $(UNIT_BINS:=.d)
