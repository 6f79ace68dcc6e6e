# iocd - build, test, install.
#
# Everything is built out of tree under $(BUILD) (default build/):
#   build/iocd                    the daemon
#   build/connectors/<name>.so    one plugin per connectors/<name>/ folder
#   build/tools/<name>            one dev tool per tools/<name>/ folder
#   build/tests/test_<module>     one unit-test binary per tests/unit/test_*.c
#                                 and per connectors/<name>/tests/test_*.c
#   build/obj/<path>.o, .d        one object per source, and the headers it
#                                 included (gcc -MMD -MP), so touching a
#                                 header rebuilds only what includes it
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

# The project's flags are always used; CPPFLAGS, CFLAGS and LDFLAGS are
# the user's and come after ours, so `make CFLAGS=-O0` (or a packager's
# CFLAGS from the environment) adds to -std=c11 -Werror -pthread and the
# pkg-config flags instead of replacing them, and its -O0 wins over our -O2.
IOC_CPPFLAGS := -Iinclude -Idaemon -I$(BUILD) -D_GNU_SOURCE -DIOCD_VERSION='"$(VERSION)"'
IOC_CFLAGS   := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wformat=2 -pthread $(EXTRA) $(shell pkg-config --cflags $(PKGS))
CFLAGS  ?= -g
ALL_CPPFLAGS  = $(IOC_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS    = $(IOC_CFLAGS) $(CFLAGS)
LIBS    := $(shell pkg-config --libs $(PKGS)) -lpthread -ldl -lm
# Every object records the headers it includes in a .d file beside it
# (-MMD), with an empty rule per header (-MP) so a deleted header does not
# stop the build.
DEPFLAGS := -MMD -MP

# Installed paths are compiled in through $(BUILD)/paths.h, written when
# the Makefile is read and rewritten only when PREFIX or SYSCONFDIR change,
# so `make install PREFIX=/usr` after a plain `make` rebuilds what includes
# it (config.c, main.c), and `make -q` can tell when nothing is to do.
$(shell mkdir -p $(BUILD) && \
    printf '#define IOCD_PLUGIN_DIR "%s"\n#define IOCD_SYSCONF "%s"\n' \
        '$(PREFIX)/lib/iocd/connectors' '$(SYSCONFDIR)/iocd/iocd.conf' >$(BUILD)/paths.h.tmp && \
    { cmp -s $(BUILD)/paths.h.tmp $(BUILD)/paths.h && rm -f $(BUILD)/paths.h.tmp || \
      mv -f $(BUILD)/paths.h.tmp $(BUILD)/paths.h; })

# obj_of SOURCES: their objects under $(BUILD)/obj/.
obj_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

DAEMON_SRC  := $(wildcard daemon/*.c)
DAEMON_OBJ  := $(call obj_of,$(DAEMON_SRC))
LIB_OBJ     := $(filter-out $(BUILD)/obj/daemon/main.o,$(DAEMON_OBJ))
CONNECTORS  := $(notdir $(patsubst %/,%,$(wildcard connectors/*/)))
CONNECTOR_SO:= $(CONNECTORS:%=$(BUILD)/connectors/%.so)
TOOLS       := $(notdir $(patsubst %/,%,$(wildcard tools/*/)))
TOOL_BIN    := $(TOOLS:%=$(BUILD)/tools/%)
# A connector's unit tests live in its own folder (connectors/NAME/tests/),
# beside a fragment (tests.mk) that names the connector sources each links.
UNIT_SRC    := $(wildcard tests/unit/test_*.c connectors/*/tests/test_*.c)
UNIT_BIN    := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRC)))
ifneq ($(words $(UNIT_BIN)),$(words $(sort $(UNIT_BIN))))
$(error two unit tests share a name (tests are named after their module): $(sort $(notdir $(UNIT_SRC))))
endif
include $(wildcard connectors/*/tests/*.mk)
# unit_src MODULE: the source of test_MODULE, wherever it lives.
unit_src = $(filter %/test_$(1).c,$(UNIT_SRC))

# Prerequisites below use $$(wildcard ...) per target.
.SECONDEXPANSION:

.PHONY: all check deps clean install demo
all: $(BUILD)/iocd $(CONNECTOR_SO) $(TOOL_BIN)

# Only ioc_* symbols of the daemon are visible to plugins.
$(BUILD)/iocd: $(DAEMON_OBJ) daemon/exports.list
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--dynamic-list=daemon/exports.list -o $@ \
	    $(DAEMON_OBJ) $(LIBS)

# Every C source of the daemon, connectors, tools and unit tests becomes
# one object; its header dependencies come from its .d file (included at
# the end), paths.h only has to exist before the first compile.
# Connector objects hide their symbols: a plugin exports its descriptor
# only (the same objects link into unit tests, where hiding changes nothing).
$(BUILD)/obj/connectors/%.o: OBJ_FLAGS := -fvisibility=hidden
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) -fPIC $(OBJ_FLAGS) -c -o $@ $<

# A connector is every .c file of its folder (not its tests/), linked
# against nothing but what the SDK promises (the host API is resolved
# from the daemon).
$(BUILD)/connectors/%.so: $$(call obj_of,$$(wildcard connectors/$$*/*.c))
	@mkdir -p $(dir $@)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -o $@ $^ $(shell pkg-config --libs jansson)

# A tool is every .c file of its folder; it may reuse daemon modules.
$(BUILD)/tools/%: $$(call obj_of,$$(wildcard tools/$$*/*.c)) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(TOOL_LIBS_$*)

# Tests export the SDK like the daemon, so they can load real plugins. A
# test of a connector's own module names that connector's sources in
# TEST_SRC_<module>, in connectors/<name>/tests/tests.mk.
$(BUILD)/tests/test_%: $$(call obj_of,$$(call unit_src,$$*) $$(TEST_SRC_$$*)) \
                       $(LIB_OBJ) daemon/exports.list
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wl,--dynamic-list=daemon/exports.list -o $@ \
	    $(filter %.o,$^) $(LIBS) -lcmocka

TOOL_LIBS_feedsim := -lmicrohttpd
TOOL_LIBS_kafka-mock := -lrdkafka

# The test suite: unit tests, then integration tests with real processes on
# 127.0.0.1. Ends with "N passed, N failed, N skipped".
# Among them, tests/integration/test_includes.sh runs tools/check-includes
# on daemon/ (no include cycle; sinks and outbox include no HTTP, connector
# or scheduler header); `make check-includes` runs it alone.
check: all $(UNIT_BIN)
	@BUILD=$(BUILD) tests/run.sh

.PHONY: check-includes
check-includes:
	@tools/check-includes daemon

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
	# Configuration may hold secrets: 0640, group iocd (the service's
	# user, from sysusers.d) where that group exists; never world-readable.
	sed -e 's|^state_dir *=.*|state_dir = /var/lib/iocd|' conf/iocd.conf \
	    > $(BUILD)/iocd.conf.install
	install -m 640 $(BUILD)/iocd.conf.install $(DESTDIR)$(SYSCONFDIR)/iocd/iocd.conf
	install -m 640 conf/connectors.d/*.conf $(DESTDIR)$(SYSCONFDIR)/iocd/connectors.d/
	install -d $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 644 conf/sysusers.d/iocd.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/iocd.conf
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
	    systemd-sysusers $(PREFIX)/lib/sysusers.d/iocd.conf; fi
	if getent group iocd >/dev/null; then \
	    chgrp iocd $(DESTDIR)$(SYSCONFDIR)/iocd/iocd.conf \
	        $(DESTDIR)$(SYSCONFDIR)/iocd/connectors.d/*.conf; \
	else echo "note: no group iocd: $(SYSCONFDIR)/iocd/*.conf stay root-only (0640 root:root)" \
	    "until 'systemd-sysusers' creates it and they are chgrp'd to it" >&2; fi
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
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(LIBS)

.PHONY: bench
bench: all $(BENCH_BIN)
	@BUILD=$(BUILD) tests/bench/run.sh

# Header dependencies recorded by the compiler (see DEPFLAGS); none yet on a
# first build, when everything is built anyway. Objects are kept, not
# deleted as intermediate files, so the next build relinks only.
ALL_OBJ := $(DAEMON_OBJ) $(call obj_of,$(wildcard connectors/*/*.c tools/*/*.c) $(UNIT_SRC))
.SECONDARY: $(ALL_OBJ)
-include $(ALL_OBJ:.o=.d) $(BENCH_BIN:%=%.d)
