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
# `make SANITIZE=thread ...` builds with ThreadSanitizer into build/tsan/:
# `make check SANITIZE=thread` runs the unit tests and TSAN_TESTS.
# `make valgrind` runs tests/integration/test_valgrind.sh in the plain build.

PREFIX     ?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DESTDIR    ?=
VERSION    := 0.1.0

CC      ?= cc
# `make V=1` shows full command lines.
Q       := $(if $(filter 1,$(V)),,@)
PKGS    := libcurl jansson libsystemd libmosquitto rdkafka libmicrohttpd
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(SANITIZE),1)
BUILD   ?= build/asan
EXTRA   := $(SAN_FLAGS) -O1
else ifeq ($(SANITIZE),thread)
# ThreadSanitizer (issue 11, item 9). It cannot be combined with ASan, so it
# is a third build beside the others; see the check target for what it runs.
BUILD   ?= build/tsan
EXTRA   := -fsanitize=thread -fno-omit-frame-pointer -O1
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

# Installed paths (DESTDIR is prepended to each). debian/rules sets
# SYSTEMDUNITDIR=/lib/systemd/system (where Debian 12's debhelper looks for
# units) and PKGCONFIGDIR=/usr/share/pkgconfig (iocd.pc names no library:
# it is the same on every architecture).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
PKGCONFIGDIR   ?= $(PREFIX)/lib/pkgconfig
DOCDIR         ?= $(PREFIX)/share/doc/iocd
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
MANDIR         ?= $(PREFIX)/share/man

# Installed paths are compiled in through $(BUILD)/paths.h, written when
# the Makefile is read and rewritten only when PREFIX, SYSCONFDIR,
# PLUGIN_PATH or DOCDIR change, so `make install PREFIX=/usr` after a
# plain `make` rebuilds what includes it (config.c, main.c), and `make -q`
# can tell when nothing is to do.
# IOCD_PLUGIN_PATH is plugin_path's default: a site's own plugins under
# /usr/local first when iocd itself is installed in /usr (a package).
PLUGIN_PATH ?= $(if $(filter /usr,$(PREFIX)),/usr/local/lib/iocd/connectors:)$(PREFIX)/lib/iocd/connectors
$(shell mkdir -p $(BUILD) && \
    printf '#define IOCD_PLUGIN_PATH "%s"\n#define IOCD_SYSCONF "%s"\n#define IOCD_EXAMPLES "%s"\n' \
        '$(PLUGIN_PATH)' '$(SYSCONFDIR)/iocd/iocd.conf' '$(DOCDIR)/examples' >$(BUILD)/paths.h.tmp && \
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

TOOL_LIBS_feedsim := -lmicrohttpd -lz
TOOL_LIBS_kafka-mock := -lrdkafka

# The test suite: unit tests, then integration tests with real processes on
# 127.0.0.1. Ends with "N passed, N failed, N skipped".
# Among them, tests/integration/test_includes.sh runs tools/check-includes
# on daemon/ (no include cycle; sinks and outbox include no HTTP, connector
# or scheduler header); `make check-includes` runs it alone.
#
# `make check SANITIZE=thread` runs every unit test and, of the integration
# tests, only TSAN_TESTS: those that drive the outbox, the sink threads, the
# scheduler threads, paged walks, reloads and shutdown (the rest add time,
# not threads). A ThreadSanitizer report fails the test that caused it
# (tests/run.sh counts the reports); tests/tsan/tsan.supp silences only reports
# inside libraries that are not built with TSan. Not part of tools/test.sh.
TSAN_TESTS := test_mqtt test_kafka test_signals test_reload test_once test_instance test_faults \
              test_http_json_pages test_http_json test_poll_abort test_metrics test_durable_outbox
TSAN_OPTIONS_CHECK := halt_on_error=0 exitcode=66 second_deadlock_stack=1 \
                      suppressions=$(CURDIR)/tests/tsan/tsan.supp
# Every process of the run gets tests/tsan/c11threads.c preloaded: it routes
# glibc's C11 thread functions, which librdkafka uses, through TSan's
# pthread interceptors (gcc 12's TSan crashes in librdkafka's threads
# otherwise).
TSAN_PRELOAD := $(BUILD)/lib/c11threads.so
$(TSAN_PRELOAD): tests/tsan/c11threads.c
	@mkdir -p $(dir $@)
	@echo "  PRELOAD $@"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fPIC -shared -pthread -o $@ $<
# tests/tsan/canary.c, a deliberate race, runs first: its report must be
# counted, or a clean run would prove nothing (tests/run.sh).
TSAN_CANARY := $(BUILD)/lib/tsan-canary
$(TSAN_CANARY): tests/tsan/canary.c
	@mkdir -p $(dir $@)
	@echo "  CANARY  $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<
check: all $(UNIT_BIN) $(if $(filter thread,$(SANITIZE)),$(TSAN_PRELOAD) $(TSAN_CANARY))
ifeq ($(SANITIZE),thread)
	@BUILD=$(BUILD) TSAN_OPTIONS='$(TSAN_OPTIONS_CHECK)' INTEGRATION_TESTS='$(TSAN_TESTS)' \
	    LD_PRELOAD=$(CURDIR)/$(TSAN_PRELOAD) TSAN_CANARY=$(TSAN_CANARY) tests/run.sh
else
	@BUILD=$(BUILD) tests/run.sh
endif

# `make fault`: the fault suite's long form (tests/fault/, issue 15 item 7):
# kill -9 x10, mosquitto down 10 s and 60 s, Kafka down 60 s, the leader
# down, SIGTERM with a backlog, disk full, damaged segments and a 10-minute
# MQTT outage at 20,000 metrics/s for the RSS bound; about half an hour.
# Its short form runs in `make check` (tests/run.sh runs tests/fault/ after
# the integration tests).
.PHONY: fault
fault: all
	@BUILD=$(BUILD) FAULT_LONG=1 TEST_TIMEOUT=3600 tests/run.sh tests/fault/

# `make valgrind`: one daemon scenario under valgrind's memcheck (see
# tests/integration/test_valgrind.sh), in the plain build.
.PHONY: valgrind
valgrind: all
	@BUILD=$(BUILD) tests/run.sh test_valgrind

.PHONY: check-includes
check-includes:
	@tools/check-includes daemon

# Fuzzing (issues 5 and 11): libFuzzer targets, one per tests/fuzz/fuzz_*
# driver and connector, built with clang and ASan+UBSan whatever SANITIZE
# says into $(BUILD)/fuzz/fuzz_<target>, each from only the sources it needs
# (FUZZ_SRC_<target>), never from the daemon's objects:
#   http_json       http_json's mapping parser and record extraction
#   config          ini + confval + keytable + config_load of iocd.conf and
#                   connectors.d files (plugins: $(BUILD)/fuzz/connectors)
#   normalize       records with any fields through daemon/normalize.c
#   timeparse       daemon/timeparse.c and the SDK's ioc_time_parse
#   series_store    the series state file's reader (daemon/series_store.c)
#   disklog         the durable outbox's recovery: random segment and
#                   positions files (daemon/disklog.c, disklog_format.c)
#   <connector>     that connector's sources, unchanged, fed pages by a fake
#                   host (tests/fuzz/fuzz_host.c): ioffice, dvc, telecom, pakn,
#                   example_paged
# `make fuzz` runs each for FUZZ_SECONDS (`make fuzz FUZZ_TARGET=dvc` one;
# FUZZ_ARGS adds libFuzzer options, e.g. -fork=2) from its seeds
# (tests/fuzz/corpus/<target>), its past findings
# (tests/fuzz/regressions/<target>) and what earlier runs found
# ($(BUILD)/fuzz/corpus/<target>, the only corpus written); crashes go to
# $(BUILD)/fuzz/<target>-crash-*, and tests/fuzz/<target>.dict is used when
# it exists. A short run of each is part of `make check`
# (tests/integration/test_fuzz.sh).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CONNECTORS := ioffice dvc telecom pakn example_paged
FUZZ_TARGETS := http_json config normalize timeparse series_store disklog $(FUZZ_CONNECTORS)
FUZZ_TARGET  ?= $(FUZZ_TARGETS)
# -Wformat-nonliteral is off: clang (unlike gcc) also flags the vsnprintf
# of a function taking a va_list, which the daemon's log.c is.
FUZZ_FLAGS   := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
                -Wno-format-nonliteral -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer -D_GNU_SOURCE \
                -Iinclude -Idaemon -I$(BUILD)
FUZZ_TIME    := daemon/timeparse.c daemon/sdk_time.c
# hjtime reads RFC 3339 with ioc_time_parse: the daemon's parser and its
# SDK glue are linked in (they need nothing else of the daemon).
FUZZ_SRC_http_json := tests/fuzz/fuzz_http_json.c $(HJ_CORE_SRC) $(FUZZ_TIME)
FUZZ_SRC_timeparse := tests/fuzz/fuzz_timeparse.c $(FUZZ_TIME)
FUZZ_SRC_normalize := tests/fuzz/fuzz_normalize.c $(addprefix daemon/,normalize.c target.c gazetteer.c \
                      jsonw.c slug.c utf8.c timeparse.c catalog.c conffile.c)
FUZZ_CFLAGS_normalize := -DFUZZ_SRCDIR='"$(CURDIR)"'
# The series state file's reader, with the table it fills (state.c for
# its temp-file helper, filemode.c beneath it).
FUZZ_SRC_series_store := tests/fuzz/fuzz_series_store.c $(addprefix daemon/,series_store.c \
                         series.c metric.c state.c filemode.c conffile.c)
# The durable outbox's log with its format, CRC, log lines and the
# temp-file helper its positions file is written with (state.c).
FUZZ_SRC_disklog := tests/fuzz/fuzz_disklog.c $(addprefix daemon/,disklog.c disklog_format.c \
                    disklog_positions.c crc32c.c clock.c log.c textsafe.c utf8.c state.c filemode.c \
                    conffile.c)
# The config reader with the sinks' section checks (which link libmosquitto
# and librdkafka, never started here). Real plugins are dlopen'ed
# (RTLD_NOW): the fake host defines every ioc_* symbol and exports them.
FUZZ_SRC_config := tests/fuzz/fuzz_config.c tests/fuzz/fuzz_host.c $(FUZZ_TIME) \
                   $(addprefix daemon/,config.c ini.c confval.c keytable.c instconf.c dirlist.c \
                   diag.c log.c gazetteer.c plugin.c plugin_path.c sink_table.c sink_stdout.c \
                   sink_mqtt.c sink_kafka.c status_mqtt.c mqtt_endpoint.c outbox.c droplog.c metric.c \
                   clock.c textsafe.c utf8.c origin.c filemode.c catalog.c catconf.c jsonw.c \
                   conffile.c state.c listenaddr.c disklog.c disklog_format.c disklog_positions.c \
                   crc32c.c)
FUZZ_LIBS_config := -Wl,--dynamic-list=daemon/exports.list -lmosquitto -lrdkafka -lcurl -ldl
FUZZ_PLUGINS := $(CONNECTORS:%=$(BUILD)/fuzz/connectors/%.so)
$(foreach c,$(FUZZ_CONNECTORS),$(eval FUZZ_SRC_$(c) := tests/fuzz/fuzz_connector.c \
    tests/fuzz/fuzz_host.c $(wildcard connectors/$(c)/*.c) $(FUZZ_TIME)))

$(BUILD)/fuzz/fuzz_%: $$(FUZZ_SRC_$$*) $$(wildcard tests/fuzz/*.h daemon/*.h \
                      connectors/*/*.h include/ioc/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CFLAGS_$*) $(shell pkg-config --cflags jansson) -o $@ \
	    $(FUZZ_SRC_$*) $(shell pkg-config --libs jansson) -lm -lpthread $(FUZZ_LIBS_$*)

# The plugins fuzz_config opens: the default plugin_dir of a binary is
# "connectors" beside it. Built with clang, uninstrumented (only their key
# tables are read), so they fit the fuzz binary's sanitizer runtime. Named
# here rather than in the pattern rule, so make does not take them for
# intermediate files (deleted after the build, never rebuilt when missing).
$(BUILD)/fuzz/fuzz_config: $(FUZZ_PLUGINS)
$(BUILD)/fuzz/connectors/%.so: $$(wildcard connectors/$$*/*.c connectors/$$*/*.h include/ioc/*.h)
	@mkdir -p $(dir $@)
	@echo "  PLUGIN  $@"
	$(Q)$(FUZZ_CC) -std=c11 -g -O1 -fPIC -shared -fvisibility=hidden -D_GNU_SOURCE -Iinclude \
	    $(shell pkg-config --cflags jansson) -o $@ $(wildcard connectors/$*/*.c) \
	    $(shell pkg-config --libs jansson) -lm

.PHONY: fuzz
fuzz: $(FUZZ_TARGET:%=$(BUILD)/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGET); do \
	    mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	    $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        $$(test -f tests/fuzz/$$t.dict && echo -dict=tests/fuzz/$$t.dict) \
	        -artifact_prefix=$(BUILD)/fuzz/$$t- -print_final_stats=1 $(FUZZ_ARGS) \
	        $(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	        $$(test -d tests/fuzz/regressions/$$t && echo tests/fuzz/regressions/$$t) \
	        </dev/null || exit 1; \
	done

# Install the Debian packages needed to build, test and run the demo.
deps:
	@tools/deps.sh

demo: all
	@BUILD=$(BUILD) tools/demo.sh


# What `make install` puts, file by file: `make uninstall` removes exactly
# these, then the directories of iocd's own that are left empty (a
# connector file an operator added to connectors.d/ stays, and so does
# its directory).
INST_CONNECTOR_DIR := $(PREFIX)/lib/iocd/connectors
INST_FILES := $(PREFIX)/sbin/iocd \
    $(CONNECTORS:%=$(INST_CONNECTOR_DIR)/%.so) \
    $(patsubst include/ioc/%,$(PREFIX)/include/ioc/%,$(wildcard include/ioc/*.h)) \
    $(PKGCONFIGDIR)/iocd.pc \
    $(SYSCONFDIR)/iocd/iocd.conf $(SYSCONFDIR)/iocd/catalog.conf \
    $(patsubst conf/%,$(SYSCONFDIR)/iocd/%,$(wildcard conf/gazetteer/*)) \
    $(SYSUSERSDIR)/iocd.conf \
    $(patsubst systemd/%,$(SYSTEMDUNITDIR)/%,$(wildcard systemd/*)) \
    $(patsubst conf/connectors.d/%,$(DOCDIR)/examples/%,$(wildcard conf/connectors.d/*.conf)) \
    $(patsubst conf/examples/%,$(DOCDIR)/examples/http_json/%,$(wildcard conf/examples/*.conf)) \
    $(DOCDIR)/http_json.md $(DOCDIR)/metric-record.md $(DOCDIR)/metric.schema.json \
    $(MANDIR)/man8/iocd.8 $(MANDIR)/man5/iocd.conf.5
# Deepest first: rmdir removes each only when it is empty.
INST_DIRS := $(INST_CONNECTOR_DIR) $(PREFIX)/lib/iocd $(PREFIX)/include/ioc \
    $(SYSCONFDIR)/iocd/gazetteer $(SYSCONFDIR)/iocd/connectors.d $(SYSCONFDIR)/iocd \
    $(DOCDIR)/examples/http_json $(DOCDIR)/examples $(DOCDIR)

# Only the daemon and its plugins are installed: the dev tools (feed
# simulator, Kafka mock) are for tests, so `make daemon` (what
# debian/rules builds) and install need neither them nor their libraries.
.PHONY: daemon uninstall
daemon: $(BUILD)/iocd $(CONNECTOR_SO)
install: daemon
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(INST_CONNECTOR_DIR) \
	    $(DESTDIR)$(PREFIX)/include/ioc $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/iocd/connectors.d $(DESTDIR)$(SYSCONFDIR)/iocd/gazetteer \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(DOCDIR)/examples/http_json
	install -m 755 $(BUILD)/iocd $(DESTDIR)$(PREFIX)/sbin/iocd
	install -m 644 $(CONNECTOR_SO) $(DESTDIR)$(INST_CONNECTOR_DIR)/
	install -m 644 include/ioc/*.h $(DESTDIR)$(PREFIX)/include/ioc/
	# The production configuration (conf/installed/): MQTT to this host,
	# stdout off, Kafka off, no connector yet. Configuration may hold
	# secrets: 0640, group iocd (the service's user, from sysusers.d)
	# where that group exists; never world-readable.
	install -m 640 conf/installed/iocd.conf $(DESTDIR)$(SYSCONFDIR)/iocd/iocd.conf
	install -m 644 conf/sysusers.d/iocd.conf $(DESTDIR)$(SYSUSERSDIR)/iocd.conf
	if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
	    systemd-sysusers $(SYSUSERSDIR)/iocd.conf; fi
	if [ -z "$(DESTDIR)" ] && getent group iocd >/dev/null; then \
	    chgrp iocd $(SYSCONFDIR)/iocd/iocd.conf; \
	elif [ -z "$(DESTDIR)" ]; then echo "note: no group iocd: $(SYSCONFDIR)/iocd/iocd.conf" \
	    "stays root-only (0640 root:root) until 'systemd-sysusers' creates it and it is" \
	    "chgrp'd to it" >&2; fi
	install -m 644 conf/gazetteer/* $(DESTDIR)$(SYSCONFDIR)/iocd/gazetteer/
	# The metric catalogue: no secrets, read by screens' operators too.
	install -m 644 conf/catalog.conf $(DESTDIR)$(SYSCONFDIR)/iocd/catalog.conf
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@VERSION@|$(VERSION)|' iocd.pc.in \
	    > $(DESTDIR)$(PKGCONFIGDIR)/iocd.pc
	for u in systemd/*; do sed -e 's|/usr/sbin/iocd|$(PREFIX)/sbin/iocd|g' \
	    -e 's|/etc/iocd/|$(SYSCONFDIR)/iocd/|g' $$u \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u); done
	# The simulator's connector files are examples to copy into
	# connectors.d/, not a configuration: under share/doc.
	install -m 644 conf/connectors.d/*.conf $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 conf/examples/*.conf $(DESTDIR)$(DOCDIR)/examples/http_json/
	install -m 644 docs/http_json.md docs/metric-record.md docs/metric.schema.json \
	    $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/iocd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 docs/iocd.conf.5 $(DESTDIR)$(MANDIR)/man5/

# The configuration goes too (it is what install put): keep a copy of an
# edited /etc/iocd first. The iocd user and /var/lib/iocd stay.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INST_FILES))
	for d in $(addprefix $(DESTDIR),$(INST_DIRS)); do \
	    if [ -d "$$d" ]; then rmdir "$$d" 2>/dev/null || echo "note: $$d is not empty: kept" >&2; fi; \
	done

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

# disklog_bench links the daemon's log modules (daemon/disklog.c and what
# it uses); the others are single files.
$(BUILD)/bench/disklog_bench: tests/bench/disklog_bench.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LIBS)

# bench-deps: the bench's own dependencies (collectd, its peer row); when
# they cannot be installed (no root, no network), that row says "skipped".
.PHONY: bench bench-deps
bench-deps:
	@tools/deps.sh --bench || echo "bench: tools/deps.sh --bench failed: the collectd row will be skipped" >&2
bench: all $(BENCH_BIN) bench-deps
	@BUILD=$(BUILD) tests/bench/run.sh

# Header dependencies recorded by the compiler (see DEPFLAGS); none yet on a
# first build, when everything is built anyway. Objects are kept, not
# deleted as intermediate files, so the next build relinks only.
ALL_OBJ := $(DAEMON_OBJ) $(call obj_of,$(wildcard connectors/*/*.c tools/*/*.c) $(UNIT_SRC))
.SECONDARY: $(ALL_OBJ)
-include $(ALL_OBJ:.o=.d) $(BENCH_BIN:%=%.d)
