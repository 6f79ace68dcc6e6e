#!/usr/bin/env bash
# test_readme - every ```ini example of README.md is a connector instance
# file that `iocd --check-config` accepts as it is written, beside the
# repository's iocd.conf (a reader copies these first: they must work).
source "$(dirname "$0")/lib.sh"

n=0
while IFS= read -r start; do
    n=$((n + 1))
    dir=$tmp/ex$n
    mkdir -p "$dir"
    chmod 700 "$dir"
    cp -r conf "$dir/"
    rm -f "$dir"/conf/connectors.d/*.conf
    awk -v s="$start" 'NR > s && /^```/ {exit} NR > s' README.md >"$dir/conf/connectors.d/readme.conf"
    sed -i "s|^state_dir *=.*|state_dir = $dir/state|; s|^plugin_dir *=.*|plugin_dir = $top/$BUILD/connectors|" \
        "$dir/conf/iocd.conf"
    check "README.md:$start: the example passes --check-config" \
        "$IOCD" --check-config -c "$dir/conf/iocd.conf"
    if ! "$IOCD" --check-config -c "$dir/conf/iocd.conf" >"$dir/out" 2>&1; then
        sed 's/^/#   /' "$dir/out"
    fi
done < <(grep -n '^```ini' README.md | cut -d: -f1)
check "README.md has at least one ini example ($n)" test "$n" -ge 1

finish
