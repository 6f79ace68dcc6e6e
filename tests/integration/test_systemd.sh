#!/usr/bin/env bash
# test_systemd - the systemd units in systemd/ are valid and hardened.
#
# Checks, with TAP output (`ok N - ...` / `not ok N - ...`, plan at the end):
#   - `systemd-analyze verify` on iocd.service, an instance of iocd@.service
#     (iocd@ioffice.service) and iocd.target. verify also insists that
#     ExecStart's binary exists: "Command /usr/sbin/iocd is not executable"
#     is the one message accepted (iocd is not installed where tests run);
#     any other output fails. The man pages named by Documentation= are
#     looked up in docs/ (through MANPATH), so a unit pointing at a page we
#     do not ship fails too.
#   - `systemd-analyze security --offline=true`: exposure at most 1.5.
#   - resource bounds: MemoryMax= and TasksMax= set (their values are
#     justified in the units), systemd accepts them (verify above).
#   - the settings the daemon relies on: Type=notify, ExecReload, watchdog,
#     Restart=on-failure, ExecStart, the template's instance wiring, and the
#     same hardening block in both services.
# Needs systemd-analyze (systemd >= 250 for --offline); no network, no
# running systemd, no root. Every call is bounded by `timeout`; the temp
# directory is removed on exit.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
UNITS="$ROOT/systemd"
MAX_EXPOSURE=1.5
LIMIT=60 # seconds per systemd-analyze call

export LC_ALL=C SYSTEMD_COLORS=0 SYSTEMD_LOG_COLOR=0

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "1..0 # SKIP systemd-analyze not installed"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_systemd.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# Print a command's output as TAP diagnostics.
diag() { sed 's/^/# /' "$@"; }

# The units under test, in a directory of their own: systemd-analyze loads
# units named by path from there, and the template is checked through an
# instance name, as systemd would run it.
mkdir -p "$TMP/units"
cp "$UNITS/iocd.service" "$UNITS/iocd@.service" "$UNITS/iocd.target" "$TMP/units/" || exit 1
cp "$UNITS/iocd@.service" "$TMP/units/iocd@ioffice.service"

# Documentation=man:... is checked by verify with man(1). Point MANPATH at
# our own pages so the check is about what we ship, not what is installed.
MAN_OPT=--man=yes
if command -v man >/dev/null 2>&1; then
    for page in "$ROOT"/docs/*.[1-8]; do
        [ -f "$page" ] || continue
        section=${page##*.}
        mkdir -p "$TMP/man/man$section"
        cp "$page" "$TMP/man/man$section/"
    done
    mkdir -p "$TMP/man"
    export MANPATH="$TMP/man"
else
    echo "# man(1) not installed: Documentation= links not checked"
    MAN_OPT=--man=no
fi

# verify UNIT: accept no output, or exactly the missing-binary message.
check_verify() {
    local unit=$1 out="$TMP/verify.out" rc bad
    timeout "$LIMIT" systemd-analyze verify "$MAN_OPT" "$TMP/units/$unit" >"$out" 2>&1
    rc=$?
    bad=$(grep -v -x -F "$unit: Command /usr/sbin/iocd is not executable: No such file or directory" "$out")
    if [ "$rc" -ge 124 ]; then
        not_ok "systemd-analyze verify $unit (timed out or killed, status $rc)"
    elif [ -n "$bad" ]; then
        not_ok "systemd-analyze verify $unit"
        diag "$out"
    elif [ "$rc" -ne 0 ] && [ ! -s "$out" ]; then
        not_ok "systemd-analyze verify $unit (status $rc without a message)"
    else
        ok "systemd-analyze verify $unit"
    fi
}

# security UNIT: the overall exposure, at most MAX_EXPOSURE.
check_security() {
    local unit=$1 out="$TMP/security.out" score
    timeout "$LIMIT" systemd-analyze security --offline=true --no-pager "$TMP/units/$unit" >"$out" 2>&1
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$out" | head -n 1)
    if [ -z "$score" ]; then
        not_ok "$unit: security exposure (no score in the output)"
        diag "$out"
    elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
        ok "$unit: security exposure $score (at most $MAX_EXPOSURE)"
    else
        not_ok "$unit: security exposure $score (at most $MAX_EXPOSURE)"
        # The settings that cost exposure ("-" in the C locale, else "✗").
        grep -E '^(- |✗)' "$out" | diag
    fi
}

# has UNIT LINE: the unit file has exactly this line (comments aside).
has() {
    local unit=$1 line=$2
    if grep -q -x -F -e "$line" "$UNITS/$unit"; then
        ok "$unit has $line"
    else
        not_ok "$unit has $line"
    fi
}

# The lines from the "# Hardening." comment up to the next section header.
hardening() {
    sed -n '/^# Hardening\./,/^\[/p' "$UNITS/$1" | sed '$d'
}

check_verify iocd.service
check_verify iocd@ioffice.service
check_verify iocd.target

check_security iocd.service
check_security iocd@ioffice.service

for unit in iocd.service iocd@.service; do
    has "$unit" "Type=notify"
    has "$unit" "NotifyAccess=main"
    # shellcheck disable=SC2016 # a literal $MAINPID, expanded by systemd
    has "$unit" 'ExecReload=/bin/kill -HUP $MAINPID'
    has "$unit" "WatchdogSec=30s"
    has "$unit" "Restart=on-failure"
    has "$unit" "StateDirectory=iocd"
done
has iocd.service "ExecStart=/usr/sbin/iocd -c /etc/iocd/iocd.conf"
has iocd@.service "ExecStart=/usr/sbin/iocd -c /etc/iocd/iocd.conf --connector %i"
has iocd.service "MemoryMax=1G"
has iocd.service "TasksMax=512"
has iocd@.service "MemoryMax=512M"
has iocd@.service "TasksMax=64"
has iocd@.service "PartOf=iocd.target"
has iocd@.service "WantedBy=iocd.target"

hardening iocd.service >"$TMP/h1"
hardening iocd@.service >"$TMP/h2"
if [ -s "$TMP/h1" ] && diff -u "$TMP/h1" "$TMP/h2" >"$TMP/h.diff"; then
    ok "iocd.service and iocd@.service have the same hardening block ($(grep -c '^[A-Z]' "$TMP/h1") settings)"
else
    not_ok "iocd.service and iocd@.service have the same hardening block"
    diag "$TMP/h.diff"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
