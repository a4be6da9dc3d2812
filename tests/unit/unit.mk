# Unit tests: make unit builds every tests/unit/test_*.c and the fixtures they read, then runs
# each test binary with FSP_FIXTURES set. Included by the top-level Makefile, which defines
# OUTPUT, USER_CFLAGS, LIBFSP, USER_LIBS, WARNINGS, Q and msg. Tests link libfsprobe.a, which
# has every module but the one that needs the BPF skeleton (probe/probe.c): test_collect.c
# defines the probe accessors collect.c calls itself, over BPF maps it creates.

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

$(OUTPUT)/tests/%: tests/unit/%.c $(LIBFSP) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< $(LIBFSP) $(USER_LIBS) -lcmocka -o $@

# Resolver fixtures for tests/unit/test_resolve.c: real ELF files with known symbol layouts.
FIXTURE_DIR    := $(OUTPUT)/tests/fixtures
FIXTURES       := $(addprefix $(FIXTURE_DIR)/,plain plain-nopie libexported.so clone dupes lto)
FIXTURE_CFLAGS := -O2 -g $(WARNINGS)

$(FIXTURE_DIR):
	$(Q)mkdir -p $@

$(FIXTURE_DIR)/plain: tests/unit/fixtures/plain.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIE -pie $< -o $@

# Text at 0x400000: vaddr and file offset differ.
$(FIXTURE_DIR)/plain-nopie: tests/unit/fixtures/plain.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fno-pie -no-pie $< -o $@

# Stripped to .dynsym alone.
$(FIXTURE_DIR)/libexported.so: tests/unit/fixtures/exported.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -shared -fPIC $< -o $@ && strip --strip-all $@

# gcc -O2 leaves only score_key.constprop.0.
$(FIXTURE_DIR)/clone: tests/unit/fixtures/clone.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

# Two static parse_key functions, one per translation unit.
$(FIXTURE_DIR)/dupes: tests/unit/fixtures/dup_a.c tests/unit/fixtures/dup_b.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $^ -o $@

# gcc LTO, one partition per function: the static score_key becomes score_key.lto_priv.0.
# -flto=auto: quiet under make -j (plain -flto warns about serial LTRANS jobs).
$(FIXTURE_DIR)/lto: tests/unit/fixtures/lto_a.c tests/unit/fixtures/lto_b.c | $(FIXTURE_DIR)
	$(call msg,CC,$@)
	$(Q)gcc $(FIXTURE_CFLAGS) -flto=auto -flto-partition=max $^ -o $@

# Real prologues for tests/unit/test_place.c (gcc: -mnop-mcount has no clang equivalent).
PLACE_DIR      := $(FIXTURE_DIR)/place
PLACE_FIXTURES := $(addprefix $(PLACE_DIR)/,O2 O2-cet O0 O0-cet nop5 nop5-cet patchable-cet)
$(PLACE_DIR)/O2:            PLACE_CFLAGS := -O2 -fcf-protection=none
$(PLACE_DIR)/O2-cet:        PLACE_CFLAGS := -O2 -fcf-protection=full
$(PLACE_DIR)/O0:            PLACE_CFLAGS := -O0 -fcf-protection=none
$(PLACE_DIR)/O0-cet:        PLACE_CFLAGS := -O0 -fcf-protection=full
$(PLACE_DIR)/nop5:          PLACE_CFLAGS := -O2 -fcf-protection=none -pg -mfentry -mnop-mcount \
	-fno-pie -no-pie
$(PLACE_DIR)/nop5-cet:      PLACE_CFLAGS := -O2 -fcf-protection=full -pg -mfentry -mnop-mcount \
	-fno-pie -no-pie
$(PLACE_DIR)/patchable-cet: PLACE_CFLAGS := -O2 -fcf-protection=full -fpatchable-function-entry=5

$(PLACE_DIR):
	$(Q)mkdir -p $@

$(PLACE_FIXTURES): tests/unit/fixtures/place/prologues.c | $(PLACE_DIR)
	$(call msg,CC,$@)
	$(Q)gcc -g $(WARNINGS) $(PLACE_CFLAGS) $< -o $@

# Lookup/miss pairs for tests/unit/test_reach.c (gcc: noipa), with no endbr64 to read past.
REACH_DIR      := $(FIXTURE_DIR)/reach
REACH_FIXTURES := $(addprefix $(REACH_DIR)/,pairs libexported.so)
REACH_CFLAGS   := $(FIXTURE_CFLAGS) -fcf-protection=none

$(REACH_DIR):
	$(Q)mkdir -p $@

$(REACH_DIR)/pairs: tests/unit/fixtures/reach/pairs.c | $(REACH_DIR)
	$(call msg,CC,$@)
	$(Q)gcc $(REACH_CFLAGS) -fPIE -pie $< -o $@

# Direct calls to the exported miss function, not through the PLT.
$(REACH_DIR)/libexported.so: tests/unit/fixtures/reach/exported.c | $(REACH_DIR)
	$(call msg,CC,$@)
	$(Q)gcc $(REACH_CFLAGS) -shared -fPIC -fno-semantic-interposition $< -o $@

unit: $(UNIT_BINS) $(FIXTURES) $(PLACE_FIXTURES) $(REACH_FIXTURES)
	@fail=0; for t in $(UNIT_BINS); do FSP_FIXTURES=$(FIXTURE_DIR) $$t || fail=1; done; exit $$fail
