#!/usr/bin/env bash
# test_install - `make install DESTDIR=... PREFIX=/usr` puts every file in
# its FHS place, the installed configuration checks out, and a connector
# built out of tree with `cc $(pkg-config --cflags iocd) -shared -fPIC`
# (the SDK as installed, nothing from this tree) loads into the installed
# daemon. The configuration files are installed mode 0640.
source "$(dirname "$0")/lib.sh"
dest=$tmp/root
# A separate build dir: PREFIX=/usr must not change the build under test.
make -s BUILD="$tmp/build" DESTDIR="$dest" PREFIX=/usr install >"$tmp/install.log" 2>&1
same 0 "$?" "make install DESTDIR=... PREFIX=/usr succeeds"
for f in usr/sbin/iocd usr/lib/iocd/connectors/example.so usr/include/ioc/ioc.h \
         usr/include/ioc/connector.h usr/include/ioc/record.h usr/include/ioc/http.h \
         usr/include/ioc/host.h usr/lib/pkgconfig/iocd.pc etc/iocd/iocd.conf \
         etc/iocd/connectors.d/example.conf etc/iocd/gazetteer/vn-2025-07.tsv etc/iocd/catalog.conf \
         usr/share/man/man8/iocd.8 usr/share/man/man5/iocd.conf.5 \
         usr/lib/systemd/system/iocd.service usr/lib/systemd/system/iocd@.service \
         usr/lib/systemd/system/iocd.target; do
    check "installed: /$f" test -s "$dest/$f"
done
# Configuration files may hold secrets: never readable by every user.
same 640 "$(stat -c %a "$dest/etc/iocd/iocd.conf")" "installed iocd.conf is mode 0640"
for f in "$dest"/etc/iocd/connectors.d/*.conf; do
    same 640 "$(stat -c %a "$f")" "installed connectors.d/${f##*/} is mode 0640"
done
check "a sysusers.d entry creates the iocd user the units name" \
    grep -q '^u iocd ' "$dest/usr/lib/sysusers.d/iocd.conf"
check "installed iocd.conf keeps state in /var/lib/iocd" grep -qx "state_dir = /var/lib/iocd" "$dest/etc/iocd/iocd.conf"
check "the installed binary looks for plugins in /usr/lib/iocd/connectors" \
    bash -c "'$dest/usr/sbin/iocd' --help >/dev/null && strings '$dest/usr/sbin/iocd' | grep -qx /usr/lib/iocd/connectors"
check "units run /usr/sbin/iocd" grep -q "^ExecStart=/usr/sbin/iocd " "$dest/usr/lib/systemd/system/iocd@.service"

export PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
same "-I$dest/usr/include" "$(pkg-config --cflags iocd | xargs)" "pkg-config --cflags iocd"
same "/usr/lib/iocd/connectors" "$(pkg-config --variable=connectordir iocd | sed "s|^$dest||")" \
    "pkg-config --variable=connectordir iocd"

# An out-of-tree connector: a copy of the example under another name.
mkdir -p "$tmp/ext/plugins"
sed 's/\.name = "example"/.name = "mine"/' connectors/example/example.c >"$tmp/ext/mine.c"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags iocd) $(pkg-config --cflags jansson) \
    -shared -fPIC -fvisibility=hidden -o "$tmp/ext/plugins/mine.so" "$tmp/ext/mine.c" \
    $(pkg-config --libs jansson) 2>"$tmp/cc.log"
same 0 "$?" "the connector builds out of tree against the installed SDK"
sed -e "s|^\[iocd\]|[iocd]\nplugin_dir = $tmp/ext/plugins|" -e "s|^state_dir = .*|state_dir = $tmp/state|" \
    "$dest/etc/iocd/iocd.conf" >"$dest/etc/iocd/test.conf"
rm -f "$dest/etc/iocd/connectors.d/"*.conf # their plugins are not in the test's plugin_dir
printf 'plugin = mine\nurl = http://127.0.0.1:9/x\n' >"$dest/etc/iocd/connectors.d/example.conf"
"$dest/usr/sbin/iocd" -c "$dest/etc/iocd/test.conf" --describe mine >"$tmp/describe.out" 2>&1
same 0 "$?" "the installed iocd describes the out-of-tree plugin"
contains "$tmp/describe.out" "mine 1.0.0" "its descriptor is read"
"$dest/usr/sbin/iocd" -c "$dest/etc/iocd/test.conf" --check-config >"$tmp/check.out" 2>&1
same 0 "$?" "the installed configuration with the out-of-tree plugin checks out"
finish
