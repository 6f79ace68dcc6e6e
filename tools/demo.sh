#!/usr/bin/env bash
# demo.sh - the README's first command: install what is missing, build,
# start the feed simulator on 127.0.0.1:18080 and run iocd on the
# repository's own configuration (conf/iocd.conf: the example connector,
# records printed on stdout, one JSON object per line). Ctrl-C stops
# everything this script started.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tools/deps.sh || exit 1
make -s -j"$(nproc)" >/dev/null || { echo "demo: build failed (run make to see why)" >&2; exit 1; }

port=18080 # must match conf/connectors.d/example.conf
run=$(mktemp -d)
feedsim_pid=
iocd_pid=
stop() {
    [ -n "$iocd_pid" ] && kill -TERM "$iocd_pid" 2>/dev/null && wait "$iocd_pid" 2>/dev/null
    [ -n "$feedsim_pid" ] && kill -TERM "$feedsim_pid" 2>/dev/null && wait "$feedsim_pid" 2>/dev/null
    rm -rf "$run"
}
trap stop EXIT
trap 'exit 0' INT TERM

build/tools/feedsim --port "$port" --port-file "$run/port" --records 5 >"$run/feedsim.log" 2>&1 &
feedsim_pid=$!
for _ in $(seq 50); do [ -s "$run/port" ] && break; sleep 0.1; done
if [ ! -s "$run/port" ]; then
    echo "demo: the feed simulator did not start (is port $port taken?):" >&2
    cat "$run/feedsim.log" >&2
    exit 1
fi

cat <<MSG
demo: feed simulator on http://127.0.0.1:$port/example (try: curl -s http://127.0.0.1:$port/example | jq .)
demo: iocd polls it every 10 s and prints one JSON metric record per line below;
demo: logs go to stderr. Stop with Ctrl-C.
MSG
build/iocd -c conf/iocd.conf &
iocd_pid=$!
wait "$iocd_pid"
