# sessionkey-mcp: MCP stdio server for ERC-4337 session-key approvals.
#
#   make            build build/sessionkey-mcp (release)
#   make run        install missing packages, build, start the server on stdio
#   make test       install test deps, run every test; ends with "N passed, N failed"
#   make asan       unit tests + e2e under ASan+UBSan (build/asan/)
#   make fuzz       libFuzzer on the message handler (clang), FUZZTIME seconds
#   make bench      startup/latency/memory vs the Go and TypeScript peers; crypto throughput
#   make conformance  the official MCP conformance suite through a stdio bridge
#
# Sources are found by wildcard: every server/*.c and tools/*.c goes into the binary,
# every tests/unit/*.c into the unit-test binary. Each flavour builds into its own folder.

FLAVOUR ?= release
ifeq ($(FLAVOUR),release)
O ?= build
else
O ?= build/$(FLAVOUR)
endif
CC ?= cc
V ?= 0
WERROR ?= 1
Q := $(if $(filter 1,$(V)),,@)

PKGS := jansson sqlite3 libsecp256k1 libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
# The four libraries are linked statically by default: fewer shared objects to map and
# relocate at exec, so the server answers initialize sooner (measured in make bench).
# libc, libm, libz and pthread stay shared; libcurl is never linked (dlopen on first RPC).
# STATIC_DEPS=0 links everything dynamically.
STATIC_DEPS ?= 1
ifeq ($(STATIC_DEPS),1)
PKG_LIBS := -Wl,-Bstatic $(shell pkg-config --libs-only-l $(PKGS) 2>/dev/null) -Wl,-Bdynamic \
            $(filter-out $(shell pkg-config --libs-only-l $(PKGS) 2>/dev/null),$(shell pkg-config --static --libs $(PKGS) 2>/dev/null))
else
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wundef -Wcast-align -Wwrite-strings -Wformat=2 \
        -Wimplicit-fallthrough -Wvla -Werror=implicit-function-declaration
ifeq ($(IS_CLANG),1)
WARN += -Wconditional-uninitialized -Wcomma
else
WARN += -Wduplicated-cond -Wlogical-op -Wno-format-truncation
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

ifeq ($(FLAVOUR),release)
OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
else ifeq ($(FLAVOUR),test)
OPT := -O2 -g -DSKM_TEST_HOOKS=1
else ifeq ($(FLAVOUR),asan)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DSKM_TEST_HOOKS=1
else ifeq ($(FLAVOUR),clang)
OPT := -O2 -g
else ifeq ($(FLAVOUR),fuzz)
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -DSKM_TEST_HOOKS=1
else
$(error unknown FLAVOUR=$(FLAVOUR): release, test, asan, clang, fuzz)
endif

CPPFLAGS += -D_GNU_SOURCE -Iserver -Itools -I$(O)/gen
CFLAGS += $(WARN) $(OPT) -fPIE -MMD -MP $(PKG_CFLAGS)
LDFLAGS += $(filter -fsanitize=%,$(OPT)) -pie -Wl,-z,relro,-z,now
LDLIBS += $(PKG_LIBS) -ldl -lpthread -lm

SRCS := $(sort $(wildcard server/*.c tools/*.c))
MAIN_SRC := server/main.c
LIB_SRCS := $(filter-out $(MAIN_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/gen/assets.o
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
ASSETS := $(sort $(wildcard schemas/*.json prompts/*.json prompts/*.md data/*.json web/*.html))

BIN := $(O)/sessionkey-mcp
UNIT := $(O)/unit-tests
UNIT_NV := $(O)/unit-tests-noverify

.PHONY: all run test unit asan fuzz bench conformance deps test-deps clean check-assets clang-build
all: $(BIN)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/embed: scripts/embed.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -o $@ $<

$(O)/gen/assets.c: $(ASSETS) $(O)/embed
	@mkdir -p $(dir $@)
	$(Q)$(O)/embed $@ $(ASSETS)

$(O)/obj/gen/assets.o: $(O)/gen/assets.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -O1 -c -o $@ $<

$(O)/libskm.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(O)/obj/$(MAIN_SRC:.c=.o) $(O)/libskm.a
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests, twice: with internal checks (-DMCP_VERIFY) and without.
$(O)/obj/verify/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -DMCP_VERIFY=1 $(CFLAGS) -c -o $@ $<

$(UNIT): $(UNIT_SRCS:%.c=$(O)/obj/verify/%.o) $(LIB_SRCS:%.c=$(O)/obj/verify/%.o) $(O)/obj/gen/assets.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_NV): $(UNIT_SRCS:%.c=$(O)/obj/%.o) $(O)/libskm.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz-corpus replay driver (no libFuzzer needed) and the libFuzzer target.
$(O)/fuzz-replay: tests/fuzz/replay.c $(O)/obj/tests/fuzz/fuzz_message.o $(O)/libskm.a
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/replay.c $(O)/obj/tests/fuzz/fuzz_message.o $(O)/libskm.a $(LDLIBS)

unit: $(UNIT) $(UNIT_NV)
	$(UNIT)
	$(UNIT_NV)

run: deps
	@$(MAKE) --no-print-directory all >&2
	@exec ./$(BIN) $(ARGS)

deps:
	@sh scripts/install-deps.sh

test-deps: deps
	@sh scripts/install-test-deps.sh

test: test-deps
	@sh scripts/test-all.sh

asan:
	@$(MAKE) --no-print-directory FLAVOUR=asan all unit-binaries
	@SKM_BIN=build/asan/sessionkey-mcp sh scripts/test-all.sh --asan

unit-binaries: $(UNIT) $(UNIT_NV) $(O)/fuzz-replay

fuzz:
	@sh scripts/fuzz.sh

bench: test-deps
	@sh scripts/bench.sh

conformance: test-deps
	@sh scripts/conformance.sh

check-assets: $(BIN)
	$(BIN) --check-assets

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# libFuzzer binary (clang only): make fuzz builds it via scripts/fuzz.sh.
$(O)/fuzz-message: tests/fuzz/fuzz_message.c $(O)/libskm.a
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
