#!/usr/bin/env bash
# test_build - the Makefile's plumbing, in a throwaway copy of the source
# tree (nothing here touches the real one): header dependencies come from
# the compiler (-MMD -MP), so after a build nothing is to do and touching
# one daemon header rebuilds exactly the objects that include it, directly
# or through another header; user CFLAGS add to the project's flags; each
# connector's unit tests are wired from its own folder.
source "$(dirname "$0")/lib.sh"

src=$tmp/src
mkdir -p "$src"
tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
# mk ARGS...: make in the copy, into its own build folder, at -O0 to be
# quick (the outer make's job server and flags are not ours to use, nor
# its SANITIZE=1 when the suite runs in the ASan build: the copy is a plain
# -O2 build whatever the outer one is).
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE \
        make -C "$src" --no-print-directory SANITIZE= BUILD=b CFLAGS=-O0 "$@"
}

if mk -s -j2 b/iocd >"$tmp/build.log" 2>&1; then
    pass "the daemon builds in a copy of the tree"
else
    fail "the daemon builds in a copy of the tree"
    tail -20 "$tmp/build.log" | sed 's/^/#   /'
    finish
    exit
fi

mk -q b/iocd
same 0 "$?" "make -q: right after a build, nothing is out of date"

# The daemon header with the fewest direct includers, and every source of
# the daemon that includes it directly or through other headers (includes
# resolved by base name, whatever folders daemon/ has).
read -r header expected < <(cd "$src" && python3 - <<'EOF'
import os, re
files = {}
for d, _, names in os.walk("daemon"):
    for n in names:
        if n.endswith((".c", ".h")):
            p = os.path.join(d, n)
            files[p] = {os.path.basename(m) for m in
                        re.findall(r'^\s*#\s*include\s*"([^"]+)"', open(p).read(), re.M)}
def includes(p, h, seen):
    if h in files[p]:
        return True
    for q in files:
        if q.endswith(".h") and os.path.basename(q) in files[p] and q not in seen:
            seen.add(q)
            if includes(q, h, seen):
                return True
    return False
best = None
for h in sorted(p for p in files if p.endswith(".h")):
    users = sorted(p for p in files if p.endswith(".c") and includes(p, os.path.basename(h), {h}))
    if users and (best is None or len(users) < len(best[1])):
        best = (h, users)
print(best[0], ",".join(best[1]))
EOF
)
total=$(find "$src/daemon" -name '*.c' | wc -l)
touch -d "@$(($(date +%s) + 2))" "$src/$header"
mk -n V=1 b/iocd >"$tmp/dry.log" 2>&1
rebuilt=$(sed -n 's/.* -c -o b\/obj\/\(daemon\/[^ ]*\)\.o .*/\1.c/p' "$tmp/dry.log" | sort | paste -sd,)
same "$expected" "$rebuilt" \
    "touching $header rebuilds only its $(tr ',' '\n' <<<"$expected" | wc -l) includers of $total daemon sources"
check "and relinks the daemon" grep -q -- "-o b/iocd " "$tmp/dry.log"

# User CFLAGS add to ours: every compile line keeps the language, warning,
# thread and pkg-config flags, and the user's -O0 comes after our -O2.
pkg=$(pkg-config --cflags libcurl jansson libsystemd libmosquitto rdkafka | xargs)
# every_one N OK: N > 0 and all N were OK.
every_one() { [ "$1" -gt 0 ] && [ "$2" -eq "$1" ]; }
lines=$(grep -c -- ' -c -o ' "$tmp/dry.log")
ok=0
while read -r line; do
    for flag in -std=c11 -Wall -Wextra -Werror -pthread $pkg; do
        [[ " $line " == *" $flag "* ]] || continue 2
    done
    [[ $line == *" -O2 "*" -O0 "* ]] && ok=$((ok + 1))
done < <(grep -- ' -c -o ' "$tmp/dry.log")
check "make CFLAGS=-O0: all $lines compile lines keep -std=c11 -Wall -Wextra -Werror -pthread${pkg:+ $pkg} and end with the user's -O0" \
    every_one "$lines" "$ok"

# Connector unit tests: declared by their folder's tests/*.mk, built into
# b/tests/ like the others; the top-level Makefile names no connector source.
tests=0
wired=0
for t in "$src"/connectors/*/tests/test_*.c; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .c)
    tests=$((tests + 1))
    mk -n "b/tests/$name" 2>/dev/null | grep -q -- "-o b/tests/$name " && wired=$((wired + 1))
done
check "each of the $tests connector unit tests (connectors/*/tests/) has a rule for b/tests/" \
    every_one "$tests" "$wired"
check "the top-level Makefile lists no connector source" \
    bash -c "! grep -nE 'connectors/[A-Za-z0-9_]+/[A-Za-z0-9_]+\.c' '$src/Makefile'"

finish
