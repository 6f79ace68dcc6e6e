#!/usr/bin/env bash
# test_deb - the Debian packages build with `dpkg-buildpackage -us -uc -b`
# from a copy of the tree (under $BUILD/, so the source tree stays clean),
# lintian reports no error or warning beyond the justified overrides, and
# the packages, unpacked with `dpkg -x` into a temporary folder (the host's
# /usr is never touched), hold a daemon that passes --check-config on the
# shipped /etc/iocd with the shipped plugins, and an SDK a connector
# compiles against (PKG_CONFIG_SYSROOT_DIR + PKG_CONFIG_PATH).
#
# The shipped iocd.conf leaves plugin_path at its compiled-in default
# (/usr/local/lib/iocd/connectors:/usr/lib/iocd/connectors) and says
# state_dir = /var/lib/iocd: absolute paths on the host. To check the
# unpacked plugins, the test checks a copy of the unpacked /etc/iocd
# whose iocd.conf gets two lines changed, plugin_path (the unpacked
# plugin folder) and state_dir (a temporary one), and asserts that the
# copy differs from the shipped file in exactly those lines. Every other
# path of the file is relative to its folder, so the rest is checked as
# shipped. The shipped file is also checked unchanged (no connector, so no
# plugin is looked up).
#
# Slow (a package build: about a minute on an idle 2-core machine).
source "$(dirname "$0")/lib.sh"

# The tools the build needs: installed by tools/deps.sh when missing, and
# a failure (never a skip) when they still are.
need=(dpkg-buildpackage dh lintian fakeroot dpkg-deb)
missing() { local t; for t in "${need[@]}"; do command -v "$t" >/dev/null || echo "$t"; done; }
[ -z "$(missing)" ] || tools/deps.sh >"$tmp/deps.log" 2>&1
same "" "$(missing | xargs)" "dpkg-buildpackage, debhelper, lintian, fakeroot and dpkg-deb are installed"
if [ -n "$(missing)" ]; then
    echo "Bail out! cannot build a package without $(missing | xargs)"
    exit 1
fi

version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
work=$top/$BUILD/test-deb
trap 'cleanup; rm -rf "$work"' EXIT
rm -rf "$work"
mkdir -p "$work/iocd-$version"
stamp=$tmp/before-build
touch "$stamp"
# The working tree as it is (uncommitted changes included), without the
# build output and git's metadata.
tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$work/iocd-$version"
# Run from `make check`, the environment carries make's MAKEFLAGS (with
# its command-line variables, SANITIZE=1 among them) and BUILD: the
# package must be built as a packager would, without them.
start=$SECONDS
(cd "$work/iocd-$version" &&
    timeout 480 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u SANITIZE -u V \
        dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
echo "# the package build took $((SECONDS - start)) s"
same 0 "$rc" "dpkg-buildpackage -us -uc -b succeeds"
[ "$rc" -eq 0 ] || tail -40 "$tmp/build.log" | sed 's/^/# /'
deb=$work/iocd_${version}_$arch.deb
dev=$work/iocd-dev_${version}_all.deb
check "built iocd_${version}_$arch.deb" test -s "$deb"
check "built iocd-dev_${version}_all.deb" test -s "$dev"
# The build wrote nothing into the source tree (what dpkg-buildpackage
# and debhelper leave behind when run in place).
same "" "$(cd "$top" && ls -d debian/tmp debian/iocd debian/iocd-dev debian/files debian/.debhelper \
    debian/debhelper-build-stamp debian/*.substvars debian/*.debhelper.log 2>/dev/null)" \
    "the source tree holds none of the build's products"
same "" "$(find "$top/.." -maxdepth 1 -name 'iocd*_*' -newer "$stamp" 2>/dev/null)" \
    "... and its parent no new .deb, .changes or .buildinfo"

# lintian: no E: or W: line (overridden tags show as O:); the
# output is in the log for the record.
start=$SECONDS
lintian --info --show-overrides "$work/iocd_${version}_${arch}.changes" >"$tmp/lintian.out" 2>&1
echo "# lintian took $((SECONDS - start)) s; its output:"
sed 's/^/# lintian: /' "$tmp/lintian.out"
same "" "$(grep -E '^[EW]: ' "$tmp/lintian.out")" "lintian: no error and no warning"
# Each override says why, in a comment right above it.
for f in debian/*.lintian-overrides; do
    [ -e "$f" ] || continue
    same "" "$(awk '/^#/ {prev = "c"; next} /^[[:space:]]*$/ {prev = ""; next}
                    prev != "c" {print FILENAME ":" NR} {prev = "o"}' "$f")" \
        "$f: every override has a comment above it"
done

# What is in the packages, as dpkg sees it.
dpkg-deb -c "$deb" >"$tmp/iocd.list"
dpkg-deb -c "$dev" >"$tmp/dev.list"
contains "$tmp/iocd.list" "-rw-r----- root/root" "iocd.conf is shipped 0640 (it may hold secrets)"
same "-rw-r----- ./etc/iocd/iocd.conf" "$(awk '$6 == "./etc/iocd/iocd.conf" {print $1, $6}' "$tmp/iocd.list")" \
    "... and that file is /etc/iocd/iocd.conf"
mkdir -p "$tmp/ctl"
dpkg-deb -e "$deb" "$tmp/ctl"
same "/etc/iocd/catalog.conf /etc/iocd/gazetteer/vn-2025-07.tsv /etc/iocd/iocd.conf" \
    "$(sort "$tmp/ctl/conffiles" | xargs)" "conffiles: everything under /etc/iocd"
contains "$tmp/ctl/postinst" "systemd-sysusers" "postinst creates the iocd user (sysusers.d)"
contains "$tmp/ctl/postinst" "chgrp iocd /etc/iocd/iocd.conf" "postinst gives iocd.conf to group iocd"
contains "$tmp/ctl/postinst" "iocd.service" "postinst enables iocd.service"
check "postinst does not enable iocd@.service or iocd.target (the other mode)" \
    bash -c "! grep -E 'iocd@|iocd\.target' '$tmp/ctl/postinst'"

root=$tmp/root
dpkg -x "$deb" "$root" && dpkg -x "$dev" "$root"
same 0 "$?" "dpkg -x unpacks both packages into a temporary folder"
for f in usr/sbin/iocd usr/lib/iocd/connectors/example.so usr/lib/iocd/connectors/http_json.so \
         etc/iocd/iocd.conf etc/iocd/catalog.conf etc/iocd/gazetteer/vn-2025-07.tsv \
         lib/systemd/system/iocd.service lib/systemd/system/iocd@.service \
         lib/systemd/system/iocd.target usr/lib/sysusers.d/iocd.conf \
         usr/share/man/man8/iocd.8.gz usr/share/man/man5/iocd.conf.5.gz \
         usr/share/doc/iocd/copyright usr/share/doc/iocd/examples/ioffice.conf \
         usr/share/doc/iocd/examples/http_json/ioffice.conf usr/share/doc/iocd-dev/copyright \
         usr/include/ioc/ioc.h usr/include/ioc/connector.h usr/share/pkgconfig/iocd.pc; do
    check "unpacked: /$f" test -s "$root/$f"
done
check "unpacked: /etc/iocd/connectors.d/ exists" test -d "$root/etc/iocd/connectors.d"
same "" "$(ls -A "$root/etc/iocd/connectors.d")" "unpacked: /etc/iocd/connectors.d/ is empty"
check "the unpacked iocd.conf is conf/installed/iocd.conf" cmp -s conf/installed/iocd.conf "$root/etc/iocd/iocd.conf"
check "the units run /usr/sbin/iocd -c /etc/iocd/iocd.conf" \
    grep -q "^ExecStart=/usr/sbin/iocd -c /etc/iocd/iocd.conf" "$root/lib/systemd/system/iocd.service"

# The shipped configuration, unchanged: no connector, so no plugin is
# looked up.
"$root/usr/sbin/iocd" -c "$root/etc/iocd/iocd.conf" --check-config >"$tmp/shipped.out" 2>"$tmp/shipped.err"
same 0 "$?" "the unpacked iocd passes --check-config on the shipped /etc/iocd, unchanged"
contains "$tmp/shipped.out" "configuration OK: 0 connector instances (0 enabled), gazetteer vn-2025-07" \
    "... 0 instances, the shipped gazetteer"
contains "$tmp/shipped.out" "no connector configured" "... and says 'no connector configured'"
same "" "$(cat "$tmp/shipped.err")" "... with no warning"

# The shipped examples (five dedicated-connector files, four http_json
# ones as hj_NAME) in a copy of the unpacked /etc/iocd, checked by the
# unpacked iocd with the unpacked plugins.
cp -r "$root/etc/iocd" "$tmp/etc"
sed -i -e "s|^\[iocd\]|[iocd]\nplugin_path = $root/usr/lib/iocd/connectors|" \
    -e "s|^state_dir = .*|state_dir = $tmp/state|" "$tmp/etc/iocd.conf"
at=$(grep -n '^\[iocd\]$' "$root/etc/iocd/iocd.conf" | cut -d: -f1)
st=$(grep -n '^state_dir = ' "$root/etc/iocd/iocd.conf" | cut -d: -f1)
same "${at}a$((at + 1))
> plugin_path = $root/usr/lib/iocd/connectors
${st}c$((st + 1))
< state_dir = /var/lib/iocd
---
> state_dir = $tmp/state" "$(diff "$root/etc/iocd/iocd.conf" "$tmp/etc/iocd.conf")" \
    "the copy differs from the shipped iocd.conf in plugin_path and state_dir only"
cp "$root"/usr/share/doc/iocd/examples/*.conf "$tmp/etc/connectors.d/"
for f in "$root"/usr/share/doc/iocd/examples/http_json/*.conf; do
    cp "$f" "$tmp/etc/connectors.d/hj_${f##*/}"
done
"$root/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --check-config >"$tmp/examples.out" 2>"$tmp/examples.err"
same 0 "$?" "the unpacked iocd passes --check-config with every shipped example and the unpacked plugins"
[ -s "$tmp/examples.err" ] && sed 's/^/# /' "$tmp/examples.err"
contains "$tmp/examples.out" "configuration OK: 10 connector instances (10 enabled), gazetteer vn-2025-07, catalogue" \
    "... 10 instances (5 examples, 5 http_json examples)"
"$root/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --list-connectors >"$tmp/list.out" 2>&1
same "dvc example example_paged http_json ioffice pakn telecom" \
    "$(awk '/^Plugins in/ {p = 1; next} /^$/ {p = 0} p {print $1}' "$tmp/list.out" | xargs)" \
    "--list-connectors: the seven unpacked plugins"

# iocd-dev: a connector compiles against the unpacked SDK found through
# pkg-config, and the unpacked daemon loads it from a site folder that
# comes before the packaged one.
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root/usr/share/pkgconfig
same "-I$root/usr/include" "$(pkg-config --cflags iocd | xargs)" \
    "pkg-config --cflags iocd (PKG_CONFIG_SYSROOT_DIR, PKG_CONFIG_PATH) names the unpacked headers"
mkdir -p "$tmp/site"
sed 's/\.name = "example"/.name = "mine"/' connectors/example/example.c >"$tmp/mine.c"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags iocd) $(pkg-config --cflags jansson) \
    -shared -fPIC -fvisibility=hidden -o "$tmp/site/mine.so" "$tmp/mine.c" \
    $(pkg-config --libs jansson) >"$tmp/cc.log" 2>&1
same 0 "$?" "a connector compiles against the unpacked iocd-dev"
sed -i "s|^plugin_path = .*|plugin_path = $tmp/site:$root/usr/lib/iocd/connectors|" "$tmp/etc/iocd.conf"
printf 'plugin = mine\nurl = http://127.0.0.1:9/x\n' >"$tmp/etc/connectors.d/mine.conf"
"$root/usr/sbin/iocd" -c "$tmp/etc/iocd.conf" --check-config >"$tmp/site.out" 2>&1
same 0 "$?" "the unpacked iocd loads it from the site folder, the rest from the packaged one"
contains "$tmp/site.out" "configuration OK: 11 connector instances (11 enabled)" "... 11 instances"
finish
