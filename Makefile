# fsprobe: observe a running process's feature cache with uprobes, export Prometheus metrics.
#
#   make            build fsprobe and the demo targets into $(OUTPUT)/
#   make test       install packages, build, run unit and real-kernel integration tests (root)
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
	libmicrohttpd-dev libcapstone-dev libcmocka-dev prometheus prometheus-alertmanager bpftrace tmux \
	curl python3 python3-yaml procps util-linux iproute2 binutils g++ golang-go rustc

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Werror
USER_CFLAGS := $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -DFSP_VERSION='"$(VERSION)"' \
	-I$(OUTPUT) -Ibpf -Iuser
USER_LIBS := -lbpf -lelf -lz -lmicrohttpd -lcapstone -lstdc++
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARNINGS) \
	-Wno-unused-function -I$(OUTPUT) -Ibpf

USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

TARGET_CFLAGS := -O2 -g -pthread $(WARNINGS)
TARGETS := $(OUTPUT)/featurestore $(OUTPUT)/featurestore-cet $(OUTPUT)/edge

# Keep generated objects and skeletons between runs.
.SECONDARY:

.PHONY: all deps test unit integration targets bench demo install clean
all: $(OUTPUT)/fsprobe $(TARGETS)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# Generated from the running kernel's BTF; CO-RE relocates the programs to other kernels.
$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/fsprobe.h $(wildcard bpf/*.bpf.h) $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) bpf/fsprobe.h $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/fsprobe: $(OUTPUT)/user/main.o $(USER_OBJS)
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

# Installs only what is missing, so repeated runs stay fast and offline.
deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "  DEPS     installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

include tests/unit/unit.mk

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

test: deps
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory integration

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
