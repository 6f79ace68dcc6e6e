# shellcheck shell=bash disable=SC2154 # top, BUILD, LOGS, OUT: run.sh's
# outbox_cost.sh - sourced by tests/bench/run.sh: the cost of the durable
# outbox (issue 15 item 8), iocd's CPU per metric with [outbox] dir set
# against the memory outbox, in the same bench.
#
# The one idea: only a ratio of two runs of the same bench means anything
# on these machines (2x between days), and even within a bench a shared
# 2-core machine drifts from minute to minute; so the memory outbox runs
# before and after each disk run (fsync = poll, interval, never), each
# disk run is compared with the mean of its two neighbours, and their
# spread is printed beside the ratio as the noise of that moment. Every
# row is an ordinary run_load (http_json on feedsim's /bench, N records of
# 2 metrics per 1 s poll; both sinks, publish-all), so each one also has
# to be lossless (every emitted metric PUBACKed by mosquitto and in
# Kafka's high watermarks, a restart included for what SIGTERM left in
# the log; nothing dropped, refused or failed to write) and keep up (no
# backlog left growing): a broken or saturated run cannot look cheap.
# N = 5,000 by default (10,000 metrics/s): on this shared 2-core machine
# N = 10,000 (issue 15's 20,000/s) left even the memory outbox's MQTT
# sink behind while other sessions ran, and a run that falls behind
# measures its backlog, not its cost. No subscriber, for the same reason.
#
# Settings read by run.sh's write_conf / snapshot: OUTBOX_DIR (set: the
# [outbox] dir of the run), OUTBOX_FSYNC (its fsync policy).

# outbox_missing: why this iocd cannot run the disk rows (empty when it
# can): it must accept [outbox] dir and fsync.
outbox_missing() {
    local d=$LOGS/outbox-check out
    write_conf "$d" false false false
    printf '\n[outbox]\ndir = %s/outbox\nfsync = poll\n' "$d" >>"$d/iocd.conf"
    if ! out=$("$top/$BUILD/iocd" -c "$d/iocd.conf" --check-config 2>&1); then
        echo "this iocd does not accept [outbox] dir (the durable outbox is not wired in): $(printf '%s\n' "$out" | grep -m1 -i 'outbox\|error')"
    fi
    rm -rf "$d"
}

# outbox_section: the [outbox] lines of a run's iocd.conf (run.sh's
# write_conf appends them; empty: iocd's defaults, the memory outbox).
outbox_section() {
    [ -n "$OUTBOX_MAX_BYTES${OUTBOX_DIR:-}" ] || return 0
    printf '\n[outbox]\n'
    [ -z "$OUTBOX_MAX_BYTES" ] || printf 'max_bytes = %s\n' "$OUTBOX_MAX_BYTES"
    [ -z "${OUTBOX_DIR:-}" ] || printf 'dir = %s\nfsync = %s\n' "$OUTBOX_DIR" "${OUTBOX_FSYNC:-poll}"
}

# outbox_fields TEXT: "appended commits fsyncs backlog_bytes" from the
# last `outbox:` counters line in TEXT (backlog: the sinks' sum, "backlog
# mqtt=123B kafka=0B"); "" without one (the memory outbox).
outbox_fields() {
    local line
    line=$(printf '%s\n' "$1" | grep -E 'outbox: dir=' | tail -1)
    [ -n "$line" ] || return 0
    printf '%s %s %s %s\n' "$(field "$line" . appended)" "$(field "$line" . commits)" "$(field "$line" . fsyncs)" \
        "$(printf '%s\n' "${line#* backlog}" | grep -o '=[0-9]*B' | tr -d '=B' | awk '{s += $1} END {print s + 0}')"
}

# outbox_run_json A_FIELDS B_FIELDS WINDOW_US LOG DIR RECORDS_FILE
# PER_POLL EMITTED DELIVERED: the outbox figures of one run as JSON (null
# for the memory outbox): over the measured window the fsyncs per second
# and records per fsync; from the log's last outbox line the counters
# that must stay 0 for the run to count; what the restart (outbox_drain)
# delivered. The sinks' queues (in_outbox, in_flight) are only their
# windows on the log here, so whether the run kept up is read from the
# window's two snapshots: delivered at least emitted less two polls, and
# the log's backlog grown by at most three polls (one snapshot may fall
# just after a commit and the other just before: up to a poll, a window
# of 8192 and a poll in flight apart; a record's frame sized from the
# captured poll as its JSON, its series, its topic (series + 10) and 50
# bytes of headers and source, ~455 bytes here where the stop line's
# bytes per record left said ~485). Sampling more often would need a SIGUSR1 a second,
# which itself slowed the disk rows' delivery down (the counters lines
# take the pipeline's locks).
outbox_run_json() {
    local a=$1 b=$2 us=$3 logf=$4 dir=$5 recs=$6 per_poll=$7 dem=$8 ddel=$9 last avg
    [ -n "$dir" ] || { echo null; return; }
    last=$(grep -E 'outbox: dir=' "$logf" | tail -1)
    avg=$(awk 'match($0, /"series":"[^"]*"/) {n++; b += length($0) + 2 * (RLENGTH - 11) + 10 + 50}
               END {print (n ? int(b / n) : 0)}' "$recs" 2>/dev/null)
    local a_app a_com a_fs a_back b_app b_com b_fs b_back
    read -r a_app a_com a_fs a_back <<<"${a:-0 0 0 0}"
    read -r b_app b_com b_fs b_back <<<"${b:-0 0 0 0}"
    jq -nc --arg fsync "${OUTBOX_FSYNC:-poll}" --arg fs "$(stat -f -c %T "$dir" 2>/dev/null || echo '?')" \
        --arg seen "$([ -n "$last" ] && echo yes)" --argjson secs "$(awk -v d="$us" 'BEGIN {print d / 1e6}')" \
        --argjson app "$((b_app - a_app))" --argjson com "$((b_com - a_com))" --argjson fsn "$((b_fs - a_fs))" \
        --argjson appended "$(field "$last" . appended)" --argjson fsyncs "$(field "$last" . fsyncs)" \
        --argjson dropped "$(field "$last" . dropped_full)" --argjson refused "$(field "$last" . refused)" \
        --argjson io "$(field "$last" . io_errors)" --argjson corrupt "$(field "$last" . corrupt)" \
        --argjson disk_kib "$(du -sk "$dir" 2>/dev/null | awk '{print $1 + 0}')" \
        --argjson back_a "${a_back:-0}" --argjson back_b "${b_back:-0}" --argjson dem "$dem" --argjson ddel "$ddel" \
        --argjson avg "${avg:-0}" --argjson per_poll "${per_poll:-0}" --argjson drain_s "$DRAIN_S" \
        --argjson drain_mq "$DRAIN_MQ" --argjson drain_left "$DRAIN_LEFT" '
        def r(x): (x * 100 | round) / 100;
        ($avg * $per_poll) as $poll_bytes
        | {fsync: $fsync, filesystem: $fs, counters_seen: ($seen == "yes"),
         window: {appended: $app, commits: $com, fsyncs: $fsn},
         fsyncs_per_s: (if $secs > 0 then r($fsn / $secs) else null end),
         commits_per_s: (if $secs > 0 then r($com / $secs) else null end),
         records_per_fsync: (if $fsn > 0 then r($app / $fsn) else null end),
         records_per_commit: (if $com > 0 then r($app / $com) else null end),
         total: {appended: $appended, fsyncs: $fsyncs, dropped_full: $dropped, refused: $refused,
                 io_errors: $io, corrupt: $corrupt},
         disk_kib_left: $disk_kib,
         restart: {seconds: $drain_s, mqtt_delivered: $drain_mq, bytes_left: $drain_left},
         record_bytes_avg: $avg, backlog_bytes: {start: $back_a, end: $back_b},
         backlog_polls: (if $poll_bytes > 0 then {start: r($back_a / $poll_bytes), end: r($back_b / $poll_bytes)} else null end),
         window_emitted: $dem, window_delivered: $ddel}
        | .kept_up = ($poll_bytes > 0 and $back_b - $back_a <= 3 * $poll_bytes and $ddel >= $dem - 2 * $per_poll)
        | .clean = (.counters_seen and $app > 0 and $dropped == 0 and $refused == 0 and $io == 0 and $corrupt == 0
                    and $drain_left == 0)'
}

# outbox_drain DIR NAME: a SIGTERM delivers the log's backlog until
# shutdown_timeout and leaves the rest in the log for the next start
# (pipeline_stop). This is that next start: the run's
# iocd.conf with no connector, until every sink's backlog on the
# `outbox:` line is 0 (bounded: 120 s), then SIGTERM. So a disk row counts
# deliveries end to end, replay included. Sets DRAIN_MQ (MQTT deliveries
# of that process), DRAIN_S (seconds it took) and DRAIN_LEFT (bytes still
# in the log after it).
outbox_drain() {
    local dir=$1 name=$2 pid i text back=-1 t0 logf=$LOGS/$2.drain.log
    DRAIN_MQ=0 DRAIN_S=0 DRAIN_LEFT=0
    [ -n "${OUTBOX_DIR:-}" ] || return 0
    mkdir -p "$dir/drain/connectors.d"
    cp "$dir/iocd.conf" "$dir/drain/iocd.conf"
    t0=$(now_us)
    "$top/$BUILD/iocd" -c "$dir/drain/iocd.conf" >/dev/null 2>"$logf" &
    pid=$!
    pids+=("$pid")
    for ((i = 0; i < 240; i++)); do
        sleep 0.5
        kill -0 "$pid" 2>/dev/null || break
        text=$(counters_now "$pid" "$logf")
        read -r _ _ _ back <<<"$(outbox_fields "$text")"
        [ "${back:--1}" = 0 ] && break
    done
    stop_iocd "$pid"
    DRAIN_S=$(awk -v a="$t0" -v b="$(now_us)" 'BEGIN {printf "%.1f", (b - a) / 1e6}')
    DRAIN_MQ=$(field "$(grep 'sink mqtt: queued=' "$logf" | tail -1)" . delivered)
    DRAIN_LEFT=${back:--1}
    [ "$DRAIN_LEFT" = 0 ] || log "$name: the restart without connectors left $DRAIN_LEFT bytes in the log"
}

# BENCH_PERF=1: `perf record` (cpu-clock, call graphs) of iocd over each
# outbox row's window into $LOGS/NAME.perf.data, to see where a disk
# row's extra CPU goes (perf report -i ... --no-children --sort sym).
# Sampling adds its own cost: compare such runs with each other only.
outbox_perf_start() {
    OUTBOX_PERF_PID=
    [ -n "${BENCH_PERF:-}" ] && [[ $2 == outbox-* ]] || return 0
    perf record -q -e cpu-clock -F 499 -g -p "$1" -o "$LOGS/$2.perf.data" >/dev/null 2>"$LOGS/$2.perf.log" &
    OUTBOX_PERF_PID=$!
    pids+=("$OUTBOX_PERF_PID")
}
outbox_perf_stop() {
    [ -n "${OUTBOX_PERF_PID:-}" ] || return 0
    kill -INT "$OUTBOX_PERF_PID" 2>/dev/null
    wait_for 20 bash -c "! kill -0 $OUTBOX_PERF_PID 2>/dev/null" || stop_pid "$OUTBOX_PERF_PID"
    OUTBOX_PERF_PID=
}

# run_outbox_rows N: the memory outbox and the disk rows in turn,
# memory1 poll memory2 interval memory3 never memory4, each a run_load of
# http_json with N records per poll; each disk row is compared with the
# memory runs on either side of it, so a drift of the machine's load over
# the minutes of the bench shows as their spread instead of as a ratio.
# The comparison goes to $OUT/outbox.json (outbox_summary).
run_outbox_rows() {
    local n=$1 tag why name
    why=$(outbox_missing)
    for tag in memory1 poll memory2 interval memory3 never memory4; do
        name=outbox-n$((n / 1000))k-$tag
        if [ -n "$hj_missing" ]; then
            skip_run "$name" http_json 1 "$n" "$hj_missing"
        elif [ "${tag#memory}" != "$tag" ]; then
            OUTBOX_DIR="" RAW=no run_load "$name" http_json 1 "$n"
        elif [ -n "$why" ]; then
            skip_run "$name" http_json 1 "$n" "$why"
        else
            OUTBOX_DIR=$LOGS/$name/outbox OUTBOX_FSYNC=$tag RAW=no run_load "$name" http_json 1 "$n"
            rm -rf "$LOGS/$name/outbox" # up to a few hundred MB if a sink fell behind
        fi
    done
    outbox_summary "outbox-n$((n / 1000))k-"
}

# outbox_summary PREFIX: the ratios of the rows PREFIX* into
# $OUT/outbox.json. CPU per metric is the window's iocd CPU (user +
# system, /proc/PID/stat) per metric delivered in it (the throughput
# rows' figure); per emitted metric beside it. A ratio counts only when
# the disk row and both its neighbours were lossless and kept up.
outbox_summary() {
    jq -s --arg p "$1" '
        def r(x): if x == null then null else (x * 1000 | round) / 1000 end;
        def mean(f): (map(f) | if length > 0 and all(. != null) then add / length else null end);
        def memok: (.skipped | not) and .outbox == null and .lossless and .sustained;
        [.[] | select(.name | startswith($p))] as $rows
        | [$rows[] | select((.skipped | not) and .outbox == null)] as $mem
        | {prefix: $p, records_per_poll: ([$rows[] | .records_per_poll] | first),
           memory: {runs: ($mem | map({name, us_per_metric, us_per_emitted_metric, delivered_per_s, expected,
                                        mqtt_delivered, kafka_delivered, lossless, sustained,
                                        ok: (.lossless and .sustained)})),
                    us_per_metric: r($mem | mean(.us_per_metric)),
                    spread: (($mem | map(.us_per_metric)) as $u
                             | if ($u | length) > 1 and all($u[]; . != null)
                               then r((($u | max) - ($u | min)) / ($u | add / length)) else null end)},
           disk: [range(0; $rows | length) as $i | $rows[$i] | select(.outbox != null or (.skipped and (.name | test("memory") | not)))
                  | if .skipped then {name, skipped}
                    else ([$rows[$i - 1], $rows[$i + 1]] | map(select(. != null and .outbox == null and (.skipped | not)))) as $nb
                    | ($nb | mean(.us_per_metric)) as $base
                    | ($nb | mean(.us_per_emitted_metric)) as $base_e
                    | {name, fsync: .outbox.fsync, filesystem: .outbox.filesystem,
                       us_per_metric, us_per_emitted_metric,
                       neighbours: ($nb | map(.name)), memory_us_per_metric: r($base),
                       memory_spread: (if ($nb | length) == 2 and $base then r((($nb[0].us_per_metric - $nb[1].us_per_metric) | fabs) / $base) else null end),
                       ratio: (if $base and .us_per_metric then r(.us_per_metric / $base) else null end),
                       ratio_emitted: (if $base_e and .us_per_emitted_metric then r(.us_per_emitted_metric / $base_e) else null end),
                       fsyncs_per_s: .outbox.fsyncs_per_s, records_per_fsync: .outbox.records_per_fsync,
                       commits_per_s: .outbox.commits_per_s, records_per_commit: .outbox.records_per_commit,
                       delivered_per_s, expected, mqtt_delivered, kafka_delivered, duplicates,
                       outbox: .outbox.total, restart: .outbox.restart, backlog_polls: .outbox.backlog_polls,
                       lossless, sustained, kept_up: .outbox.kept_up,
                       ok: (.lossless and .sustained and .outbox.clean and .outbox.kept_up
                            and ($nb | length) == 2 and ($nb | all(memok)))} end]}
        | . as $s
        | ([$s.disk[] | select(.fsync == "poll")] | first) as $poll
        | .target = {ratio_max: 1.1, poll_ratio: ($poll.ratio // null),
                     measured: (($poll.ok // false) and ($poll.ratio != null)),
                     met: (($poll.ok // false) and ($poll.ratio // 99) <= 1.1)}' "$OUT/runs.jsonl" >"$OUT/outbox.json"
    log "outbox: $(jq -c '{memory: .memory.us_per_metric, spread: .memory.spread, disk: [.disk[] | {fsync, ratio, memory_spread, fsyncs_per_s, records_per_fsync, ok}]}' "$OUT/outbox.json")"
}

# outbox_report: the report's section (Markdown), from results.json's
# .outbox (null when the rows did not run).
# shellcheck disable=SC2016,SC2034 # jq text, used by run.sh
outbox_report_jq='
def f(x): if x == null then "–" else (x | tostring) end;
def pct(x): if x == null then "–" else (x * 100 | round | tostring) + " %" end;
(if .outbox == null then empty else
"### 6. Durable outbox: CPU per metric with [outbox] dir vs the memory outbox (issue 15 item 8, same run)",
"",
"http_json, N = \(f(.outbox.records_per_poll)) (\(f(.outbox.records_per_poll | if . then . * 2 else null end)) metrics/s offered), both sinks (MQTT QoS 1 retained, publish-all; Kafka acks=all), the same feed and count in every row. The memory outbox ran before and after each disk row; a disk row is compared with the mean of those two (their spread: the noise of this machine at that moment). Memory runs: \(.outbox.memory.runs | map("\(.name | sub(".*-"; "")) \(f(.us_per_metric))") | join(", ")) µs/metric (spread \(pct(.outbox.memory.spread))).",
"",
"| run | fsync | filesystem | iocd µs/metric | memory µs/metric (neighbours, spread) | **ratio to memory** | per emitted metric | fsyncs/s | records/fsync | commits/s | delivered/s | log backlog, window start → end (polls) | expected / MQTT / Kafka | dropped, refused, I/O errors | restart: time, MQTT delivered | counts |",
"|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
(.outbox.disk[] | if .skipped then "| \(.name) | – | – | – | – | **skipped: \(.skipped)** | – | – | – | – | – | – | – | – | – | – |"
 else "| \(.name) | \(.fsync) | \(.filesystem) | \(f(.us_per_metric)) | \(f(.memory_us_per_metric)) (\(pct(.memory_spread))) | **\(f(.ratio))×** | \(f(.ratio_emitted))× | \(f(.fsyncs_per_s)) | \(f(.records_per_fsync)) | \(f(.commits_per_s)) | \(f(.delivered_per_s)) | \(f(.backlog_polls.start)) → \(f(.backlog_polls.end)) | \(f(.expected)) / \(f(.mqtt_delivered)) / \(f(.kafka_delivered)) | \(f(.outbox.dropped_full)), \(f(.outbox.refused)), \(f(.outbox.io_errors)) | \(f(.restart.seconds)) s, \(f(.restart.mqtt_delivered)) | \(if .ok then "ok" else "**FAILED**" end) |" end),
"",
"Counts: expected = metrics the connector emitted; MQTT = PUBACKs, Kafka = growth of the topic high watermarks, both including the restart without connectors that delivers what SIGTERM left in the log (a stop delivers the backlog until shutdown_timeout); more than expected = duplicates of what was in flight at the stop (at-least-once), fewer = a loss and a failed row. fsyncs count segments, directory and positions file.",
"",
"- Target: CPU per metric with `fsync = poll` ≤ \(.outbox.target.ratio_max)× the memory outbox: \(if .outbox.target.measured | not then "not measured" elif .outbox.target.met then "**met** (\(.outbox.target.poll_ratio)×)" else "**missed** (\(.outbox.target.poll_ratio)×)" end). A ratio within its row memory spread of 1 is within the noise.",
""
end)'
