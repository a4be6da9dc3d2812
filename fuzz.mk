# Parsers fuzzed and the unit tests under sanitizers. Included by the top-level Makefile, which
# defines OUTPUT, CLANG, CFLAGS, USER_CFLAGS, Q and msg; make test runs make fuzz first.
#
#   make fuzz        the two below
#   make fuzz-run    build each libFuzzer target (tests/fuzz/fuzz_NAME.c) and run it FUZZ_RUNS
#                    times from its seeds (tests/fuzz/corpus/NAME/); fails on any crash, leak,
#                    undefined behaviour or broken check, leaving the input in $(FUZZ_DIR)
#   make unit-asan   the unit tests built with ASan and UBSan into $(OUTPUT)/asan, and run
#
# Longer runs by hand: make fuzz-run FUZZ_RUNS=-1 FUZZ_SECONDS=600 FUZZ_TARGETS=config
# How to add a target (the web config parser's slot): tests/fuzz/README.md.

FUZZ_DIR     := $(OUTPUT)/fuzz
FUZZ_RUNS    ?= 20000
# A cap per target, should one slow down: the runs stop there and make says how many ran.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# The user/ modules the targets call, built again with sanitizer coverage; never the skeleton.
FUZZ_SRCS := user/spec/keyspec.c user/spec/symmap.c user/export/http.c user/export/keytext.c \
	user/export/render.c user/export/webconfig.c user/probe/snapshot.c user/lib/buf.c \
	user/lib/log.c user/agent/config.c
FUZZ_OBJS := $(patsubst user/%.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS))
FUZZ_LIB  := $(FUZZ_DIR)/libfsprobe-fuzz.a
FUZZ_LIBS := -lmicrohttpd -lgnutls -lyaml -lcrypt -lz
# USER_CFLAGS without CFLAGS: the optimisation level is the fuzzer's. UB aborts, so it counts.
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := $(filter-out $(CFLAGS),$(USER_CFLAGS)) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-Itests/fuzz
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))

# Per-target libFuzzer flags: input sizes past what each format needs only slow the search.
FUZZ_ARGS_keyspec     := -max_len=256 -dict=tests/fuzz/keyspec.dict
FUZZ_ARGS_hit_when    := -max_len=128 -dict=tests/fuzz/hit_when.dict
FUZZ_ARGS_symmap      := -max_len=4096
FUZZ_ARGS_listen_addr := -max_len=128
FUZZ_ARGS_config      := -max_len=4096 -dict=tests/fuzz/config.dict
FUZZ_ARGS_keytext     := -max_len=129

UNIT_SAN_CFLAGS := -O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all

.PHONY: fuzz fuzz-build fuzz-run unit-asan

fuzz: fuzz-run unit-asan

# make test (what CI runs) fuzzes and runs the sanitized unit tests before the rest. deps before
# deps-vmtest: under -j the two apt-get runs would race for the dpkg lock.
test: fuzz
fuzz: deps
deps-vmtest: | deps

$(FUZZ_DIR)/obj/%.o: user/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB)
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) $(FUZZ_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# New inputs go to $(FUZZ_DIR)/corpus/NAME (kept between runs), never into the seeds. A failure
# prints the end of the log and leaves crash-*/leak-*/timeout-* inputs to replay:
# $(FUZZ_DIR)/fuzz_NAME INPUT
fuzz-run: fuzz-build
	$(Q)fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t; start=$$(date +%s); \
		$(FUZZ_DIR)/fuzz_$$t -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -print_final_stats=1 $(FUZZ_ARGS_$$t) \
			-artifact_prefix=$(FUZZ_DIR)/$$t- $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t \
			>$(FUZZ_DIR)/$$t.log 2>&1; \
		status=$$?; runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$t.log); \
		if [ $$status = 0 ]; then \
			printf '  %-8s %-12s %s runs in %ss, no crash\n' FUZZ $$t "$$runs" $$(($$(date +%s) - start)); \
		else \
			printf '  %-8s %-12s FAILED (exit %s): %s\n' FUZZ $$t $$status $(FUZZ_DIR)/$$t.log; \
			grep -E -A30 '^==[0-9]+==ERROR|check failed|runtime error|^artifact_prefix|Test unit written' \
				$(FUZZ_DIR)/$$t.log | head -60; fail=1; \
		fi; \
	done; exit $$fail

# gcc's sanitizers (libasan, libubsan): the unit tests and the fixtures they read stay gcc-built.
unit-asan:
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		$(MAKE) --no-print-directory OUTPUT=$(OUTPUT)/asan CFLAGS='$(UNIT_SAN_CFLAGS)' unit

-include $(FUZZ_OBJS:.o=.d)
