# cairn - one non-recursive GNU Makefile.
#   make              build/cairnd, build/cairn (BUILD=release)
#   make BUILD=asan   build/asan/... with ASan + UBSan
#   make BUILD=fuzz   libFuzzer targets under build/fuzz (clang)
#   make test         installs missing Debian packages, builds, runs every test
#   make run          installs, builds, starts cairnd on https://127.0.0.1:14000/directory
#   make bench        benchmarks (never part of test)
#   make lint         banned calls

BUILD ?= release
PKGS := openssl libcurl jansson sqlite3 libmicrohttpd libunbound ldns libpq
TEST_PKGS := cmocka

ifeq ($(BUILD),release)
O := build
OPT := -O2
else
O := build/$(BUILD)
OPT := -O1
endif

CC ?= cc
ifeq ($(BUILD),fuzz)
CC := clang
SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
endif
ifeq ($(BUILD),asan)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_ALL := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) $(WARN) $(SAN) \
	-MMD -MP -Isrc/core -Isrc/ca -Isrc/agent $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
# cairn loads libcurl with dlopen() on its first request (src/core/http/curl_load.h)
AGENT_LIBS := $(shell pkg-config --libs openssl jansson ldns 2>/dev/null) -lpthread -ldl
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
LDFLAGS_ALL := $(SAN) $(LDFLAGS)

CORE_SRC := $(sort $(wildcard src/core/*.c src/core/*/*.c))
CA_SRC := $(sort $(wildcard src/ca/*.c src/ca/*/*.c))
CA_LIB_SRC := $(filter-out src/ca/main.c,$(CA_SRC))
AGENT_SRC := $(sort $(wildcard src/agent/*.c src/agent/*/*.c))
AGENT_LIB_SRC := $(filter-out src/agent/main.c,$(AGENT_SRC))
UNIT_CORE_SRC := $(sort $(wildcard tests/unit/core/test_*.c tests/unit/core/*/test_*.c))
UNIT_CA_SRC := $(sort $(wildcard tests/unit/ca/test_*.c tests/unit/ca/*/test_*.c))
UNIT_AGENT_SRC := $(sort $(wildcard tests/unit/agent/test_*.c tests/unit/agent/*/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

LIBCAIRN := $(O)/libcairn.a
LIBCA := $(O)/libcairnd.a
LIBAGENT := $(O)/libcairnagent.a
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_CORE_SRC) $(UNIT_CA_SRC) $(UNIT_AGENT_SRC))
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(O)/tests/replay/%,$(FUZZ_SRC))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps test-deps run test unit bench lint clean fuzz
ifeq ($(BUILD),fuzz)
all: $(FUZZ_BINS)
else
all: $(O)/cairnd $(O)/cairn
endif

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBCAIRN): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBCA): $(call obj,$(CA_LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(LIBAGENT): $(call obj,$(AGENT_LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(O)/cairnd: $(call obj,src/ca/main.c) $(LIBCA) $(LIBCAIRN)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)
$(O)/cairn: $(call obj,src/agent/main.c) $(LIBAGENT) $(LIBCAIRN)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(AGENT_LIBS)

$(O)/tests/unit/core/%: $(call obj,tests/unit/core/%.c) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(TEST_LIBS)
$(O)/tests/unit/ca/%: $(call obj,tests/unit/ca/%.c) $(LIBCA) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(TEST_LIBS)
$(O)/tests/unit/agent/%: $(call obj,tests/unit/agent/%.c) $(LIBAGENT) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(TEST_LIBS)

# Fuzz targets: libFuzzer under BUILD=fuzz; otherwise linked with a replay
# main that runs every file of the target's corpus (tests/fuzz/replay_main.c).
$(O)/fuzz/%: tests/fuzz/%.c $(LIBCA) $(LIBAGENT) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $^ $(LIBS)
$(O)/tests/replay/%: $(call obj,tests/fuzz/%.c) $(call obj,tests/fuzz/replay/replay_main.c) $(LIBCA) $(LIBAGENT) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

unit: $(UNIT_BINS) $(REPLAY_BINS)

# Benchmark tools (make bench; never part of all or test): the ACME load
# generator on libcairn, the store filler on libcairnd.
BENCH_LOAD_SRC := $(sort $(wildcard bench/acme-load.c bench/load-*.c))
$(O)/bench/acme-load: $(call obj,$(BENCH_LOAD_SRC)) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)
$(O)/bench/store-fill: $(call obj,bench/store-fill.c) $(LIBCA) $(LIBCAIRN)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

deps:
	@scripts/install-deps.sh run
test-deps:
	@scripts/install-deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	scripts/run-cairnd.sh $(CAIRND_ARGS)

test: test-deps
	@$(MAKE) --no-print-directory all unit
	@$(MAKE) --no-print-directory BUILD=asan all unit
	@tests/run

bench: test-deps
	@$(MAKE) --no-print-directory $(O)/cairnd $(O)/bench/acme-load $(O)/bench/store-fill \
		$(if $(wildcard src/agent/main.c),$(O)/cairn)
	@bench/run

lint:
	@scripts/lint.sh

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
