#!/usr/bin/env bash
# test_readme - every ```ini example of README.md and docs/*.md passes
# `iocd --check-config` as it is written (issue 16, Deliver 8: a reader
# copies these first, they must work), beside the repository's iocd.conf
# and catalogue. Each block is checked as what it is:
# - a connector instance file (it has "plugin ="): as connectors.d/x.conf;
# - a catalogue (it has "[catalog]"): as the file [iocd] catalog names;
# - an iocd.conf fragment (it has "[iocd]", "[sink.NAME]" or "[outbox]"):
#   its keys set in the repository's iocd.conf, section by section;
# - an http_json fragment (docs/http_json.md shows one feature at a time):
#   completed with the keys every http_json file needs (plugin, url,
#   records, and area unless it has area_const) where it does not give them.
# "%d/" secret files are a warning outside systemd (--check-config), so the
# systemd-credentials examples pass as operators run them.
source "$(dirname "$0")/lib.sh"

# fresh_tree DIR: the repository's conf/ in DIR, no connector files, its
# own state directory and the build's plugins.
fresh_tree() {
    mkdir -p "$1"
    chmod 700 "$1"
    cp -r conf "$1/"
    rm -f "$1"/conf/connectors.d/*.conf
    sed -i "s|^state_dir *=.*|state_dir = $1/state|; s|^plugin_path *=.*|plugin_path = $top/$BUILD/connectors|" \
        "$1/conf/iocd.conf"
}
# merge_main BLOCK CONF: every "key = value" of BLOCK set in CONF under
# the same [section] (replacing the key there, or added to the section,
# or the section added).
merge_main() {
    python3 - "$1" "$2" <<'PY'
import re, sys
block, conf = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines()
sec, want = None, []
for line in block:
    m = re.match(r'^\[(.+)\]\s*$', line)
    if m:
        sec = m.group(1)
    elif sec and re.match(r'^[A-Za-z_.]+\s*=', line):
        want.append((sec, line.split('=')[0].strip(), line))
for sec, key, line in want:
    start = next((i for i, l in enumerate(conf) if l.strip() == '[%s]' % sec), None)
    if start is None:
        conf += ['', '[%s]' % sec, line]
        continue
    end = next((i for i in range(start + 1, len(conf)) if conf[i].startswith('[')), len(conf))
    at = next((i for i in range(start + 1, end) if re.match(r'^%s\s*=' % re.escape(key), conf[i])), None)
    if at is None:
        conf.insert(end, line)
    else:
        conf[at] = line
open(sys.argv[2], 'w').write('\n'.join(conf) + '\n')
PY
}
# add_missing FILE KEY VALUE: append "KEY = VALUE" unless FILE sets KEY.
add_missing() { grep -qE "^$2 *=" "$1" || echo "$2 = $3" >>"$1"; }

blocks=0
kinds=()
for doc in README.md docs/*.md; do
    while IFS= read -r start; do
        blocks=$((blocks + 1))
        dir=$tmp/ex$blocks
        fresh_tree "$dir"
        awk -v s="$start" 'NR > s && /^```/ {exit} NR > s' "$doc" >"$dir/block"
        if grep -q '^\[catalog\]' "$dir/block"; then
            kind=catalogue
            cp "$dir/block" "$dir/conf/catalog.conf"
        elif grep -qE '^\[(iocd|outbox|sink\.[a-z]+)\]' "$dir/block"; then
            kind="iocd.conf fragment"
            merge_main "$dir/block" "$dir/conf/iocd.conf"
        elif grep -qE '^plugin *=' "$dir/block"; then
            kind="connector file"
            cp "$dir/block" "$dir/conf/connectors.d/x.conf"
        else
            kind="http_json fragment"
            f=$dir/conf/connectors.d/x.conf
            cp "$dir/block" "$f"
            add_missing "$f" plugin http_json
            add_missing "$f" url https://feed.example.invalid/api
            add_missing "$f" records 'items[]'
            grep -qE '^area_const *=' "$f" || add_missing "$f" area maXa
        fi
        kinds+=("$kind")
        if "$IOCD" --check-config -c "$dir/conf/iocd.conf" >"$dir/out" 2>&1; then
            pass "$doc:$start: the example ($kind) passes --check-config"
        else
            fail "$doc:$start: the example ($kind) passes --check-config"
            sed 's/^/#   /' "$dir/out"
        fi
    done < <(grep -n '^```ini' "$doc" | cut -d: -f1)
done
check "README.md has at least one ini example" grep -q '^```ini' README.md
check "every kind of example was found and checked ($blocks blocks)" \
    bash -c "printf '%s\n' \"\$@\" | sort -u | tr '\n' , | grep -qx 'catalogue,connector file,http_json fragment,iocd.conf fragment,'" _ "${kinds[@]}"

# A comment after a value is part of the value (a ';' may be in a URL or a
# secret): the reader refuses what it cannot take, naming the line, so an
# example written that way could not slip through the loop above.
dir=$tmp/trailing
fresh_tree "$dir"
printf 'plugin = example\nurl = https://feed.example.invalid/x\ninterval = 5m   ; five minutes\n' \
    >"$dir/conf/connectors.d/x.conf"
"$IOCD" --check-config -c "$dir/conf/iocd.conf" >/dev/null 2>"$dir/err"
same 1 "$?" "a comment after a value fails --check-config"
contains "$dir/err" "x.conf:3: 'interval' = '5m   ; five minutes': not a duration" \
    "and the error shows the comment is part of the value, at FILE:LINE"
finish
