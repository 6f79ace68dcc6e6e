# iocd - build, test, install.
#
# Everything is built out of tree under $(BUILD) (default build/):
#   build/iocd                    the daemon
#   build/connectors/<name>.so    one plugin per connectors/<name>/ folder
#   build/tools/<name>            one dev tool per tools/<name>/ folder
#   build/tests/test_<module>     one unit-test binary per tests/unit/test_*.c
#
# `make SANITIZE=1 ...` builds with ASan+UBSan into build/asan/ instead, so
# both builds can live side by side: `make check SANITIZE=1`.

PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DESTDIR    ?=
VERSION    := 0.1.0

CC      ?= cc
# `make V=1` shows full command lines.
Q       := $(if $(filter 1,$(V)),,@)
PKGS    := libcurl jansson libsystemd libmosquitto rdkafka
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(SANITIZE),1)
BUILD   ?= build/asan
EXTRA   := $(SAN_FLAGS) -O1
else
BUILD   ?= build
EXTRA   := -O2
endif

# Installed paths are compiled in through $(BUILD)/paths.h, which is
# rewritten only when PREFIX or SYSCONFDIR change, so `make install
# PREFIX=/usr` after a plain `make` rebuilds what depends on them.
CPPFLAGS += -Iinclude -Idaemon -I$(BUILD) -D_GNU_SOURCE -DIOCD_VERSION='"$(VERSION)"'
CFLAGS  ?= -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wformat=2 -pthread $(EXTRA) $(shell pkg-config --cflags $(PKGS))
LIBS    := $(shell pkg-config --libs $(PKGS)) -lpthread -ldl -lm

DAEMON_SRC  := $(wildcard daemon/*.c)
DAEMON_OBJ  := $(DAEMON_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ     := $(filter-out $(BUILD)/obj/daemon/main.o,$(DAEMON_OBJ))
CONNECTORS  := $(notdir $(patsubst %/,%,$(wildcard connectors/*/)))
CONNECTOR_SO:= $(CONNECTORS:%=$(BUILD)/connectors/%.so)
TOOLS       := $(notdir $(patsubst %/,%,$(wildcard tools/*/)))
TOOL_BIN    := $(TOOLS:%=$(BUILD)/tools/%)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Prerequisites below use $$(wildcard ...) per target.
.SECONDEXPANSION:

.PHONY: all check deps clean install demo FORCE
all: $(BUILD)/iocd $(CONNECTOR_SO) $(TOOL_BIN)

# Only ioc_* symbols of the daemon are visible to plugins.
$(BUILD)/iocd: $(DAEMON_OBJ) daemon/exports.list
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -Wl,--dynamic-list=daemon/exports.list -o $@ $(DAEMON_OBJ) $(LIBS)

$(BUILD)/paths.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define IOCD_PLUGIN_DIR "%s"\n#define IOCD_SYSCONF "%s"\n' \
	    '$(PREFIX)/lib/iocd/connectors' '$(SYSCONFDIR)/iocd/iocd.conf' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
FORCE:

$(BUILD)/obj/%.o: %.c $(wildcard include/ioc/*.h daemon/*.h) $(BUILD)/paths.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

# A connector is every .c file of its folder, linked against nothing but
# what the SDK promises (the host API is resolved from the daemon).
$(BUILD)/connectors/%.so: $$(wildcard connectors/%/*.c connectors/%/*.h) $(wildcard include/ioc/*.h)
	@mkdir -p $(dir $@)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -fvisibility=hidden -o $@ \
	    $(filter %.c,$^) $(shell pkg-config --libs jansson)

# A tool is every .c file of its folder; it may reuse daemon modules.
$(BUILD)/tools/%: $$(wildcard tools/%/*.c tools/%/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Itools/$* -o $@ $(filter %.c,$^) $(LIB_OBJ) \
	    $(LIBS) $(TOOL_LIBS_$*)

# Tests export the SDK like the daemon, so they can load real plugins. A
# test of a connector's own module names its sources in TEST_SRC_<module>.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJ) daemon/exports.list $$(TEST_SRC_$$*) \
                       $$(wildcard connectors/*/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wl,--dynamic-list=daemon/exports.list -o $@ $< \
	    $(TEST_SRC_$*) $(LIB_OBJ) $(LIBS) -lcmocka

TEST_SRC_jpath  := connectors/http_json/jpath.c
TEST_SRC_hjnum  := connectors/http_json/hjnum.c connectors/http_json/hjquote.c
TEST_SRC_hjtime := connectors/http_json/hjtime.c connectors/http_json/hjquote.c
HJ_CORE_SRC := $(addprefix connectors/http_json/,jpath.c hjquote.c hjnum.c hjtime.c hjmap.c \
                 hjextract.c)
TEST_SRC_hjmap     := $(HJ_CORE_SRC)
TEST_SRC_hjextract := $(HJ_CORE_SRC)
TEST_SRC_hjwalk    := $(HJ_CORE_SRC) connectors/http_json/hjwalk.c

TOOL_LIBS_feedsim := -lmicrohttpd
TOOL_LIBS_kafka-mock := -lrdkafka

# The test suite: unit tests, then integration tests with real processes on
# 127.0.0.1. Ends with "N passed, N failed".
check: all $(UNIT_BIN)
	@BUILD=$(BUILD) tests/run.sh

# Fuzzing (issue 5): a libFuzzer target of http_json's mapping parser and
# record extraction, built with clang and ASan+UBSan whatever SANITIZE says,
# from the connector's own sources and jansson (not the daemon). `make
# fuzz` runs it for FUZZ_SECONDS (FUZZ_ARGS adds libFuzzer options, e.g.
# -fork=4) from FUZZ_CORPUS: the seeds of tests/fuzz/corpus and the past
# findings of tests/fuzz/regressions (read only: new inputs go to
# $(BUILD)/fuzz/corpus, crashes to $(BUILD)/fuzz/); a 20 s run is part of
# `make check` (tests/integration/test_fuzz.sh).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CORPUS  ?= tests/fuzz/corpus tests/fuzz/regressions
FUZZ_FLAGS   := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -D_GNU_SOURCE -Iinclude
# hjtime reads RFC 3339 with ioc_time_parse: the daemon's parser and its
# SDK glue are linked in (they need nothing else of the daemon).
FUZZ_SRC     := tests/fuzz/fuzz_http_json.c $(HJ_CORE_SRC) daemon/timeparse.c daemon/sdk_time.c
$(BUILD)/fuzz/fuzz_http_json: $(FUZZ_SRC) $(wildcard connectors/http_json/*.h include/ioc/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(shell pkg-config --cflags jansson) -o $@ $(FUZZ_SRC) \
	    $(shell pkg-config --libs jansson) -lm

.PHONY: fuzz
fuzz: $(BUILD)/fuzz/fuzz_http_json
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_http_json -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -dict=tests/fuzz/http_json.dict -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
	    $(FUZZ_ARGS) $(BUILD)/fuzz/corpus $(FUZZ_CORPUS)

# Install the Debian packages needed to build, test and run the demo.
deps:
	@tools/deps.sh

demo: all
	@BUILD=$(BUILD) tools/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/iocd/connectors \
	    $(DESTDIR)$(PREFIX)/include/ioc $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(SYSCONFDIR)/iocd/connectors.d $(DESTDIR)$(SYSCONFDIR)/iocd/gazetteer \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(BUILD)/iocd $(DESTDIR)$(PREFIX)/sbin/iocd
	install -m 644 $(CONNECTOR_SO) $(DESTDIR)$(PREFIX)/lib/iocd/connectors/
	install -m 644 include/ioc/*.h $(DESTDIR)$(PREFIX)/include/ioc/
	sed -e 's|^state_dir *=.*|state_dir = /var/lib/iocd|' conf/iocd.conf \
	    > $(DESTDIR)$(SYSCONFDIR)/iocd/iocd.conf
	install -m 644 conf/connectors.d/*.conf $(DESTDIR)$(SYSCONFDIR)/iocd/connectors.d/
	install -m 644 conf/gazetteer/* $(DESTDIR)$(SYSCONFDIR)/iocd/gazetteer/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' iocd.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/iocd.pc
	for u in systemd/*; do sed -e 's|/usr/sbin/iocd|$(PREFIX)/sbin/iocd|g' \
	    -e 's|/etc/iocd/|$(SYSCONFDIR)/iocd/|g' $$u \
	    > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u); done
	install -d $(DESTDIR)$(PREFIX)/share/doc/iocd/examples
	install -m 644 conf/examples/*.conf $(DESTDIR)$(PREFIX)/share/doc/iocd/examples/
	install -m 644 docs/http_json.md docs/metric-record.md docs/metric.schema.json \
	    $(DESTDIR)$(PREFIX)/share/doc/iocd/
	install -m 644 docs/iocd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 docs/iocd.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build

# Benchmarks (issue 6): `make bench` runs tests/bench/run.sh, which starts
# feedsim, mosquitto, kafka-mock and iocd on 127.0.0.1 and prints a
# Markdown table (JSON in $(BUILD)/bench/results.json). Its helper
# programs, one per tests/bench/*.c, are built into $(BUILD)/bench/.
BENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
$(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIBS)

.PHONY: bench
bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) tests/bench/run.sh
