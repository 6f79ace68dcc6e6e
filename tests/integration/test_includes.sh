#!/usr/bin/env bash
# test_includes - tools/check-includes, the include-graph check of `make
# check`: over small synthetic daemon trees in a temporary folder (flat and
# with subfolders), a clean tree passes, an include cycle fails and is named
# as a path "a -> b -> a", a sink or outbox including the HTTP layer, a
# connector header or the scheduler fails and names the file and line;
# then the real daemon/ is checked.
source "$(dirname "$0")/lib.sh"

# tree NAME FILE=INCLUDES...: a daemon tree $tmp/NAME where each FILE (a
# path under it) includes the comma-separated headers given.
tree() {
    local root=$tmp/$1 spec file inc
    shift
    for spec in "$@"; do
        file=$root/${spec%%=*}
        mkdir -p "$(dirname "$file")"
        : >"$file"
        IFS=, read -ra incs <<<"${spec#*=}"
        for inc in "${incs[@]}"; do
            [ -n "$inc" ] && printf '#include "%s"\n' "$inc" >>"$file"
        done
        echo "int unused_${RANDOM};" >>"$file"
    done
}
# run NAME: check-includes over $tmp/NAME; its status in $rc, its output
# in $tmp/NAME.out.
run() {
    tools/check-includes "$tmp/$1" >"$tmp/$1.out" 2>&1
    rc=$?
}
# expect_fail NAME TEXT DESCRIPTION: exit status 1 and TEXT in the output.
expect_fail() {
    run "$1"
    if [ "$rc" -eq 1 ] && grep -qF -- "$2" "$tmp/$1.out"; then
        pass "$3"
    else
        fail "$3"
        echo "#   exit $rc (expected 1), expected the text: $2"
        sed 's/^/#   /' "$tmp/$1.out"
    fi
}
# expect_pass NAME DESCRIPTION: exit status 0.
expect_pass() {
    run "$1"
    if [ "$rc" -eq 0 ]; then
        pass "$2"
    else
        fail "$2 (exit $rc)"
        sed 's/^/#   /' "$tmp/$1.out"
    fi
}

# A clean flat tree: one-way includes, a module including its own header,
# a sink including config, SDK and generated headers (not modules).
tree clean log.h= log.c=log.h config.h=log.h config.c=config.h,log.h,paths.h \
    http.h=log.h http.c=http.h scheduler.h=http.h,ioc/connector.h scheduler.c=scheduler.h \
    sink_mqtt.h=config.h sink_mqtt.c=sink_mqtt.h,log.h outbox.c=outbox.h,log.h outbox.h=
expect_pass clean "a clean flat tree passes"

# The same shape in subfolders, includes written with relative paths.
tree folders core/log.h= core/log.c=log.h config/config.h=../core/log.h \
    config/config.c=config.h,../core/log.h net/http.h= net/http.c=http.h,../core/log.h \
    sink/mqtt.c=../config/config.h,../core/log.h sink/mqtt.h=../config/config.h
expect_pass folders "a clean tree with subfolders (daemon/*/*.c) passes"

tree cycle2 a.c=a.h,b.h a.h= b.c=b.h b.h=a.h
expect_fail cycle2 "include cycle: a -> b -> a" "a cycle of two modules fails and is named a -> b -> a"

# The header of config includes a sink's, whose header includes config's:
# the cycle of issue 10, resolved by base name across folders.
tree cycle3 core/config.c=config.h,../sink/sink_kafka.h core/config.h= \
    sink/sink_kafka.h=../core/util.h sink/sink_kafka.c=sink_kafka.h core/util.h=config.h
expect_fail cycle3 "include cycle: config -> sink_kafka -> util -> config" \
    "a cycle of three modules across subfolders fails and is named config -> sink_kafka -> util -> config"
check "the cycle names where each include is (config -> sink_kafka at core/config.c:2)" \
    grep -qF "config -> sink_kafka at core/config.c:2" "$tmp/cycle3.out"

tree sinkhttp log.h= http.h=log.h sink_kafka.h= sink_kafka.c=sink_kafka.h,log.h,http.h
expect_fail sinkhttp "sink_kafka.c:3: sink/outbox module sink_kafka includes http.h (the HTTP layer)" \
    "a sink including http.h fails and names the file and line"

tree outboxconn outbox.h= outbox.c=outbox.h,../connectors/telecom/telecom.h
expect_fail outboxconn "outbox.c:2: sink/outbox module outbox includes ../connectors/telecom/telecom.h (a connector header)" \
    "the outbox including a connector header fails"

# Under a sink/ folder every module is a sink, whatever its name.
tree sinkdir core/scheduler.h= core/scheduler.c=scheduler.h sink/mqtt.c=../core/scheduler.h
expect_fail sinkdir "mqtt.c:1: sink/outbox module mqtt includes ../core/scheduler.h (the scheduler)" \
    "a module under daemon/sink/ including the scheduler fails"

run missing-folder
same 2 "$rc" "a folder without C files is an error (exit 2), not a pass"

# The real tree: the check `make check` exists for.
tools/check-includes daemon >"$tmp/real.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
    pass "daemon/ has no include cycle and no sink or outbox includes HTTP, a connector or the scheduler"
else
    fail "daemon/ has no include cycle and no sink or outbox includes HTTP, a connector or the scheduler"
    sed 's/^/#   /' "$tmp/real.out"
fi

finish
