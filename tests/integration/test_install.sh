#!/usr/bin/env bash
# test_install - `make install DESTDIR=... PREFIX=/usr` puts every file in
# its FHS place with the production configuration (conf/installed/: MQTT
# on localhost:1883, stdout and Kafka off, an empty connectors.d/, the
# simulator's connector files as examples under share/doc), the installed
# configuration checks out as shipped and runs (no connector, MQTT on),
# a connector built out of tree with
# `cc $(pkg-config --cflags iocd) -shared -fPIC` (the SDK as installed,
# PKG_CONFIG_SYSROOT_DIR) loads from a site directory placed before the
# packaged one in plugin_path, which still serves the stock plugins, and
# `make uninstall DESTDIR=...` removes exactly what install put.
source "$(dirname "$0")/lib.sh"
dest=$tmp/root
# A separate build dir: PREFIX=/usr must not change the build under test.
make -s BUILD="$tmp/build" DESTDIR="$dest" PREFIX=/usr install >"$tmp/install.log" 2>&1
same 0 "$?" "make install DESTDIR=... PREFIX=/usr succeeds"
for f in usr/sbin/iocd usr/lib/iocd/connectors/example.so usr/include/ioc/ioc.h \
         usr/include/ioc/connector.h usr/include/ioc/record.h usr/include/ioc/http.h \
         usr/include/ioc/host.h usr/lib/pkgconfig/iocd.pc etc/iocd/iocd.conf \
         etc/iocd/gazetteer/vn-2025-07.tsv etc/iocd/catalog.conf \
         usr/share/man/man8/iocd.8 usr/share/man/man5/iocd.conf.5 \
         usr/lib/systemd/system/iocd.service usr/lib/systemd/system/iocd@.service \
         usr/lib/systemd/system/iocd.target usr/share/doc/iocd/http_json.md; do
    check "installed: /$f" test -s "$dest/$f"
done

# The simulator's connector files are examples, not configuration: each
# of conf/connectors.d/ under share/doc/iocd/examples/, http_json's under
# examples/http_json/, byte for byte.
for f in conf/connectors.d/*.conf; do
    check "example /usr/share/doc/iocd/examples/${f##*/} is $f" \
        cmp -s "$f" "$dest/usr/share/doc/iocd/examples/${f##*/}"
done
for f in conf/examples/*.conf; do
    check "example /usr/share/doc/iocd/examples/http_json/${f##*/} is $f" \
        cmp -s "$f" "$dest/usr/share/doc/iocd/examples/http_json/${f##*/}"
done
same 5 "$(find "$dest/usr/share/doc/iocd/examples" -maxdepth 1 -name '*.conf' | wc -l)" \
    "five connector examples under share/doc/iocd/examples"

# The production defaults, read key by key from the installed file.
# conf_value SECTION KEY: the value of KEY in [SECTION] of the installed iocd.conf.
conf_value() {
    awk -v s="[$1]" -v k="$2" '/^\[/ {in_s = ($0 == s)} in_s && $1 == k && $2 == "=" {print $3}' \
        "$dest/etc/iocd/iocd.conf"
}
same true "$(conf_value sink.mqtt enabled)" "installed iocd.conf: [sink.mqtt] enabled = true"
same localhost "$(conf_value sink.mqtt host)" "installed iocd.conf: MQTT host localhost"
same 1883 "$(conf_value sink.mqtt port)" "installed iocd.conf: MQTT port 1883"
same false "$(conf_value sink.stdout enabled)" "installed iocd.conf: [sink.stdout] enabled = false"
same false "$(conf_value sink.kafka enabled)" "installed iocd.conf: [sink.kafka] present, enabled = false"
same /var/lib/iocd "$(conf_value iocd state_dir)" "installed iocd.conf keeps state in /var/lib/iocd"
same /var/lib/iocd/outbox "$(conf_value outbox dir)" "installed iocd.conf: the durable outbox under the state directory"
same poll "$(conf_value outbox fsync)" "installed iocd.conf: [outbox] fsync = poll"
check "installed /etc/iocd/connectors.d/ exists" test -d "$dest/etc/iocd/connectors.d"
same "" "$(ls -A "$dest/etc/iocd/connectors.d")" "installed /etc/iocd/connectors.d/ is empty"
check "the installed iocd.conf is the production one, not the development conf/iocd.conf" \
    cmp -s conf/installed/iocd.conf "$dest/etc/iocd/iocd.conf"

# Configuration files may hold secrets: never readable by every user.
same 640 "$(stat -c %a "$dest/etc/iocd/iocd.conf")" "installed iocd.conf is mode 0640"
check "a sysusers.d entry creates the iocd user the units name" \
    grep -q '^u iocd ' "$dest/usr/lib/sysusers.d/iocd.conf"
check "the installed binary looks for plugins in /usr/local/lib/iocd/connectors, then /usr/lib/iocd/connectors" \
    bash -c "'$dest/usr/sbin/iocd' --help >/dev/null && strings '$dest/usr/sbin/iocd' | grep -qx /usr/local/lib/iocd/connectors:/usr/lib/iocd/connectors"
check "units run /usr/sbin/iocd" grep -q "^ExecStart=/usr/sbin/iocd " "$dest/usr/lib/systemd/system/iocd@.service"

# The shipped configuration, unchanged, checks out with no connector and
# says what to do (its relative paths resolve from its own folder).
"$dest/usr/sbin/iocd" -c "$dest/etc/iocd/iocd.conf" --check-config >"$tmp/fresh.out" 2>"$tmp/fresh.err"
same 0 "$?" "the installed iocd.conf passes --check-config with no connector"
contains "$tmp/fresh.out" "configuration OK: 0 connector instances (0 enabled)" "... 0 instances"
contains "$tmp/fresh.out" "no connector configured: add a NAME.conf to $dest/etc/iocd/connectors.d (examples in /usr/share/doc/iocd/examples/) and reload" \
    "... and says 'no connector configured', naming connectors.d and the examples"
same "" "$(cat "$tmp/fresh.err")" "... with no warning"

# ... and runs: a copy of it whose MQTT port is a test broker's (host
# stays localhost) and whose state_dir is the test's starts with no
# connector, says so, and publishes the catalogue retained on the broker.
start_mosquitto fresh
cp -r "$dest/etc/iocd" "$tmp/fresh"
sed -i -e "s|^port = 1883$|port = $MQTT_PORT_fresh|" -e "s|^state_dir = .*|state_dir = $tmp/fresh-state|" \
    -e "s|^dir = /var/lib/iocd/outbox$|dir = $tmp/fresh-state/outbox|" "$tmp/fresh/iocd.conf"
same 3 "$(diff "$dest/etc/iocd/iocd.conf" "$tmp/fresh/iocd.conf" | grep -c '^>')" \
    "the copy differs from the installed iocd.conf in the MQTT port, state_dir and outbox dir only"
"$dest/usr/sbin/iocd" -c "$tmp/fresh/iocd.conf" >"$tmp/fresh.stdout" 2>"$tmp/fresh.log" &
fresh_pid=$!
pids+=("$fresh_pid")
check "the installed configuration starts and logs 'no connector configured'" \
    wait_for 20 grep -q "warning: iocd: no connector configured: add a NAME.conf to $tmp/fresh/connectors.d" "$tmp/fresh.log"
contains "$tmp/fresh.log" "info: iocd: outbox $tmp/fresh-state/outbox: durable (fsync = poll)" \
    "... with the durable outbox under its state directory"
check "... and publishes the catalogue retained on MQTT (localhost, the broker's port)" \
    wait_for 20 bash -c "timeout 5 mosquitto_sub -h 127.0.0.1 -p $MQTT_PORT_fresh -t ioc/v1/96/_catalog \
        --retained-only -C 1 -W 2 2>/dev/null | grep -q ."
stop_pid "$fresh_pid"
same 0 "$stop_rc" "... and stops cleanly on SIGTERM (exit 0)"
same "" "$(cat "$tmp/fresh.stdout")" "... with nothing on stdout ([sink.stdout] is off)"

# PKG_CONFIG_SYSROOT_DIR makes the DESTDIR tree's iocd.pc usable.
export PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
same "-I$dest/usr/include" "$(pkg-config --cflags iocd | xargs)" "pkg-config --cflags iocd"
same "/usr/lib/iocd/connectors" "$(pkg-config --variable=connectordir iocd | sed "s|^$dest||")" \
    "pkg-config --variable=connectordir iocd"

# Site plugins: a new one (mine) and a rebuilt example that shadows the
# installed one, built out of tree against the installed SDK into a site
# directory written first in plugin_path; the installed directory second
# still serves dvc.
site=$tmp/site/connectors
mkdir -p "$site"
sed 's/\.name = "example"/.name = "mine"/' connectors/example/example.c >"$tmp/mine.c"
for src in "$tmp/mine.c" connectors/example/example.c; do
    name=$(basename "$src" .c)
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags iocd) $(pkg-config --cflags jansson) \
        -shared -fPIC -fvisibility=hidden -o "$site/$name.so" "$src" \
        $(pkg-config --libs jansson) 2>"$tmp/cc-$name.log"
    same 0 "$?" "connector $name builds out of tree against the installed SDK"
done
# A copy of the installed /etc/iocd outside DESTDIR (so uninstall below
# sees only what install put), with plugin_path and state_dir pointed at
# the test's folders.
cp -r "$dest/etc/iocd" "$tmp/etc"
sed -i -e "s|^\[iocd\]|[iocd]\nplugin_path = $site:$dest/usr/lib/iocd/connectors|" \
    -e "s|^state_dir = .*|state_dir = $tmp/state|" \
    -e "s|^dir = /var/lib/iocd/outbox$|dir = $tmp/state/outbox|" "$tmp/etc/iocd.conf"
printf 'plugin = mine\nurl = http://127.0.0.1:9/x\n' >"$tmp/etc/connectors.d/mine.conf"
cp "$dest/usr/share/doc/iocd/examples/example.conf" "$dest/usr/share/doc/iocd/examples/dvc.conf" \
    "$tmp/etc/connectors.d/"
"$dest/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --describe mine >"$tmp/describe.out" 2>&1
same 0 "$?" "the installed iocd describes the site plugin"
contains "$tmp/describe.out" "mine 1.0.0" "its descriptor is read"
contains "$tmp/describe.out" "$site/mine.so" "from the site directory"
"$dest/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --check-config >"$tmp/check.out" 2>"$tmp/check.err"
same 0 "$?" "site plugins first, installed ones second: the configuration checks out"
contains "$tmp/check.out" "configuration OK: 3 connector instances (3 enabled)" \
    "... mine (site), example (site, shadowing) and dvc (installed)"
contains "$tmp/check.err" "info: iocd: plugin 'example': $site/example.so shadows $dest/usr/lib/iocd/connectors/example.so (plugin_path: first directory wins)" \
    "the site example shadowing the installed one is logged"
same 1 "$(grep -c shadows "$tmp/check.err")" "... and only it (mine and dvc are in one directory each)"
"$dest/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --list-connectors >"$tmp/list.out" 2>&1
same "dvc example example_paged http_json ioffice mine pakn telecom" \
    "$(awk '/^Plugins in/ {p = 1; next} /^$/ {p = 0} p {print $1}' "$tmp/list.out" | xargs)" \
    "--list-connectors lists the plugins of both directories, each once"

# make uninstall removes exactly what install put: a file of the host's
# (a sentinel in usr/sbin) and a connector file an operator added stay.
echo keep >"$dest/usr/sbin/other-tool"
echo "plugin = mine" >"$dest/etc/iocd/connectors.d/site.conf"
make -s BUILD="$tmp/build" DESTDIR="$dest" PREFIX=/usr uninstall >"$tmp/uninstall.log" 2>&1
same 0 "$?" "make uninstall DESTDIR=... PREFIX=/usr succeeds"
same "etc/iocd/connectors.d/site.conf usr/sbin/other-tool" \
    "$(cd "$dest" && find . -type f -printf '%P\n' | sort | xargs)" \
    "only the sentinel and the operator's connector file are left"
contains "$tmp/uninstall.log" "$dest/etc/iocd/connectors.d is not empty: kept" \
    "uninstall says why it kept connectors.d/"
rm "$dest/usr/sbin/other-tool" "$dest/etc/iocd/connectors.d/site.conf"
make -s BUILD="$tmp/build" DESTDIR="$dest" PREFIX=/usr uninstall >"$tmp/uninstall2.log" 2>&1
same 0 "$?" "a second make uninstall succeeds (nothing left to remove)"
same "" "$(cd "$dest" && find . -type f -printf '%P\n')" "the DESTDIR tree holds no file"
for d in etc/iocd usr/lib/iocd usr/include/ioc usr/share/doc/iocd; do
    check "uninstall removed iocd's own directory /$d" test ! -e "$dest/$d"
done
finish
