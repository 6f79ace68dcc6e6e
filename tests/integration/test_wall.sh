#!/usr/bin/env bash
# test_wall - the reference wall page (web/wall) in real headless Chromium
# (Debian's /usr/bin/chromium driven by playwright-core through
# tests/wall/wall_probe.mjs), served by a real mosquitto with a websockets
# listener (http_dir web/wall), fed by iocd with the shipped catalogue and
# feedsim (fixed seed). Shown, with exact values:
#  - the page loads from the broker and connects over MQTT/WebSockets;
#  - one tile per retained KPI series (province level, no agency dim:
#    web/wall/README.md), the same set as a mosquitto_sub of the broker;
#  - Vietnamese labels from the _catalog topic, English with ?lang=en;
#    every tile shows its value's age;
#  - a value changed in the feed (a feedsim fixture) appears on its tile
#    within 2 s, and its breach alert's end reaches the ticker;
#  - a series with a short max_age turns grey with iocd's stale marker;
#  - the broker restarted: "no connection" banner and every value grey, then
#    back by itself with every tile confirmed again;
#  - kill -9 of iocd: every source offline (last will) within 5 s;
#  - de-duplication per series: an older seq is skipped, a newer one taken;
#  - a screenshot in $BUILD/wall.png (1920x1080).
# Skipped (1..0 # SKIP, counted as skipped) only when Chromium cannot start.
# TAP; stops what it starts by PID; every wait bounded.
source "$(dirname "$0")/lib.sh"

for tool in jq mosquitto_sub node; do
    command -v "$tool" >/dev/null || { echo "Bail out! $tool is not installed (tools/deps.sh)"; exit 1; }
done
if [ ! -d web/node_modules/playwright-core ] || [ ! -f web/wall/vendor/mqtt.min.js ]; then
    echo "Bail out! the wall's npm packages are not installed: run tools/webdeps.sh (tools/deps.sh runs it)"
    exit 1
fi
# CHROMIUM: another browser binary (the skip path is tested with a false one).
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "1..0 # SKIP $CHROMIUM is not installed (tools/deps.sh installs chromium)"
    exit 0
fi

# The probe first: if Chromium cannot start here, nothing else is started.
coproc PROBE { exec node tests/wall/wall_probe.mjs 1920 1080 2>"$tmp/probe.err"; }
PROBE_PID_=$PROBE_PID
pids+=("$PROBE_PID_")
# ask COMMAND...: one command to the probe; its JSON answer in $reply.
ask() {
    echo "$*" >&"${PROBE[1]}"
    IFS= read -r -t 60 reply <&"${PROBE[0]}" || reply='{"ok":false,"error":"the probe did not answer in 60 s"}'
}
IFS= read -r -t 90 reply <&"${PROBE[0]}" || reply='{"ok":false,"error":"no answer in 90 s"}'
if ! jqe '.ready' <<<"$reply"; then
    echo "1..0 # SKIP Chromium cannot start here: $(jq -r '.error // .' <<<"$reply" 2>/dev/null || echo "$reply")"
    exit 0
fi
# page_ok DESCRIPTION MS JS: the expression holds in the page within MS.
page_ok() {
    local desc=$1 ms=$2
    shift 2
    ask wait "$ms" "$*"
    if jqe '.ok' <<<"$reply"; then
        pass "$desc ($(jq -r .ms <<<"$reply") ms)"
    else
        fail "$desc"
        echo "#   not within $ms ms: $*"
        echo "#   probe: $reply"
    fi
}
# page_value JS: the expression's value in the page, in $value (JSON).
page_value() { ask eval "$*"; value=$(jq -c '.value' <<<"$reply"); }

static=$tmp/static
mkdir -p "$static"
iso_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# fixture NAME VALUE [AT]: the feed's one province record, written atomically.
fixture() {
    printf '{"items":[{"area":"96","v":%s,"at":"%s"}]}\n' "$2" "${3:-$(iso_now)}" >"$static/$1.json.tmp"
    mv "$static/$1.json.tmp" "$static/$1.json"
}
fixture fr 500
fixture st 7
FEEDSIM_STATIC_DIR=$static start_feedsim S --seed 42 --records 24

# A free port for the websockets listener, not the one start_mosquitto tries.
ws_port=
for ((try = 0; try < 20; try++)); do
    p=$((20000 + RANDOM % 40000))
    ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { ws_port=$p; break; }
done
[ -n "$ws_port" ] || { echo "Bail out! no free port for the websockets listener"; exit 1; }
# max_queued_messages: the page's retained burst must not be cut (README).
# mosquitto started as root runs as the user "mosquitto", which may not
# reach this checkout (a clone in a 0700 directory): it serves a copy, in a
# directory it can enter but not list.
chmod 711 "$tmp"
cp -r "$top/web/wall" "$tmp/wall"
chmod -R a+rX "$tmp/wall"
MOSQUITTO_EXTRA=$(printf 'max_queued_messages 20000\nlistener %s 127.0.0.1\nprotocol websockets\nhttp_dir %s\n' \
    "$ws_port" "$tmp/wall")
start_mosquitto M
MQTT=$MQTT_PORT_M

conf=$tmp/conf
make_conf "$conf" false
cp conf/catalog.conf "$conf/catalog.conf"
cat >>"$conf/catalog.conf" <<'CAT'

[metric.test.wall.value]
label_vi = Giá trị thử nghiệm của màn hình
label_en = Wall test value
description = A province figure the test changes in the feed
unit = count
aggregate = none
; only st turns stale: a poll slowed on a loaded machine must not grey fr
refresh = 1h

[metric.test.wall.old]
label_vi = Số liệu cũ thử nghiệm
label_en = Wall test old data
description = A province figure whose data must be at most 6 s old
unit = count
aggregate = none
max_age = 6s
CAT
add_sink_mqtt "$conf" "$MQTT"
printf 'refresh = 1h\n' >>"$conf/iocd.conf"
add_example "$conf" example "$FEED_S/example"
printf '%s\n' "plugin = telecom" "url = $FEED_S/telecom" "interval = 2s" "timeout = 3s" \
    >"$conf/connectors.d/telecom.conf"
# static NAME METRIC [LINES...]: an http_json instance (source NAME) over
# the fixture NAME, polled every second.
static_instance() {
    local name=$1 metric=$2
    shift 2
    printf '%s\n' "plugin = http_json" "source = $name" "url = $FEED_S/static?f=$name" "interval = 1s" \
        "timeout = 2s" "backoff_max = 1s" "records = items[]" "area = area" "time = at" \
        "metric.v.name = $metric" "metric.v.value = v" "metric.v.unit = count" "$@" \
        >"$conf/connectors.d/$name.conf"
}
static_instance fr test.wall.value "metric.v.target = >= 1000"
static_instance st test.wall.old
mosquitto_sub -p "$MQTT" -F '%t %p' -t 'ioc/v1/96/_alert/fr/#' >"$tmp/alerts.txt" 2>"$tmp/alerts.err" &
pids+=("$!")
start_iocd run -c "$conf/iocd.conf"

# Every source has finished a successful poll (its summary is retained).
summaries_in() {
    timeout 5 mosquitto_sub -p "$MQTT" -t 'ioc/v1/96/_summary/#' --retained-only -W 2 -F '%t' 2>/dev/null |
        sed 's|.*/||' | sort | tr '\n' ' '
}
all_summaries() { [ "$(summaries_in)" = "example fr st telecom " ]; }
check "iocd publishes every source's summary (a successful poll each)" wait_for 20 all_summaries
# The KPI series the broker holds: province level, no agency dimension.
kpi_series() {
    mqtt_retained "$MQTT" 'ioc/v1/96/#' "$tmp/retained.txt"
    grep -v '^ioc/v1/96/_' "$tmp/retained.txt" | cut -d' ' -f2- |
        jq -r 'select(.area.level == "province" and (.dims.agency == null)) | .series' | sort
}
kpi_series >"$tmp/kpi.txt"
kpis=$(wc -l <"$tmp/kpi.txt")
check "the broker holds KPI series of the four sources ($kpis)" \
    test "$(awk -F/ '{print $1}' "$tmp/kpi.txt" | sort -u | tr '\n' ' ')" = "example fr st telecom "

### loads, one tile per KPI series, labels ###################################
ask open "http://127.0.0.1:$ws_port/"
same true "$(jq -c .ok <<<"$reply")" "the page loads from mosquitto's http_dir ($reply)"
page_ok "it connects over MQTT/WebSockets" 10000 'document.body.dataset.connection === "up" && document.getElementById("banner").hidden'
tiles_js='[...document.querySelectorAll(".tile")].map(t => t.dataset.series).sort().join("\n")'
expected=$(jq -Rs . "$tmp/kpi.txt" | sed 's/\\n"$/"/')
page_ok "one tile per retained KPI series: the page shows the broker's $kpis" 20000 "$tiles_js === $expected"
page_value "$tiles_js"
same "$(cat "$tmp/kpi.txt")" "$(jq -r . <<<"$value")" "the tiles are exactly the broker's KPI series"
page_ok "every source has its group with state online" 5000 \
    '[...document.querySelectorAll(".source")].map(s => s.dataset.source + ":" + s.dataset.state).sort().join(" ") === "example:online fr:online st:online telecom:online"'
mqtt_retained "$MQTT" ioc/v1/96/_catalog "$tmp/catalog.txt"
label_vi=$(cut -d' ' -f2- "$tmp/catalog.txt" | jq -r '.metrics["example.received"].label.vi')
label_en=$(cut -d' ' -f2- "$tmp/catalog.txt" | jq -r '.metrics["example.received"].label.en')
tile='document.querySelector(".tile[data-series=\"example/example.received/96\"]")'
page_ok "the Vietnamese label from _catalog: '$label_vi'" 5000 "$tile.querySelector(\".label\").textContent === \"$label_vi\""
same "$label_vi" "Hồ sơ tiếp nhận (ví dụ)" "the label is Vietnamese, with its diacritics"
page_ok "the example rollup shows its completeness: from 24 of 64 communes" 5000 \
    "$tile.querySelector(\".complete\").textContent === \"từ 24/64 xã\""
page_ok "every tile shows its value's age" 5000 \
    '[...document.querySelectorAll(".tile")].every(t => /^(cách đây|Cũ ·) [0-9]+ (giây|phút|giờ|ngày)$/.test(t.querySelector("[data-age]").textContent))'
page_ok "the commune grid has the 64 communes" 5000 'document.querySelectorAll(".commune[data-commune]").length === 64'
# grid_shows METRIC JQ-FILTER: choose that commune KPI in the selector; the
# cells with a value must be exactly the communes the broker holds for it.
grid_shows() {
    local key want
    grep -v '^ioc/v1/96/_' "$tmp/retained.txt" | cut -d' ' -f2- |
        jq -c --arg m "$1" "select(.area.level == \"commune\" and .metric == \$m and ($2))" >"$tmp/grid.jsonl"
    key=$(head -1 "$tmp/grid.jsonl" | jq -r '[.source, .metric] + [.dims // {} | .[]] | join("/")')
    want=$(jq -r .area.code "$tmp/grid.jsonl" | sort | jq -Rs . | sed 's/\\n"$/"/')
    ask eval "(() => { const s = document.getElementById('grid-kpi'); s.value = '$key'; s.dispatchEvent(new Event('change')); return s.value; })()"
    page_ok "commune grid by $key: the $(wc -l <"$tmp/grid.jsonl") communes the broker holds" 5000 \
        "[...document.querySelectorAll('.commune')].filter(c => c.dataset.series).map(c => c.dataset.commune).sort().join('\\n') === $want"
}
grid_shows example.on_time true
grid_shows telecom.coverage '.dims.operator == "Viettel" and .dims.technology == "4G"'
page_ok "the province figure of that KPI, or how many communes report" 2000 \
    '/^Toàn tỉnh .+ (từ [0-9]+\/64 xã|[0-9]+\/64 xã có số liệu)/.test(document.getElementById("province-value").textContent)'
mkdir -p "$BUILD"
ask shot "$top/$BUILD/wall.png"
check "a screenshot is written: $BUILD/wall.png" test -s "$BUILD/wall.png"

### a value changed in the feed ###############################################
frtile='document.querySelector(".tile[data-series=\"fr/test.wall.value/96\"]")'
page_ok "fr's tile shows 500, in breach of >= 1000" 5000 \
    "$frtile.dataset.value === \"500\" && $frtile.dataset.status === \"breach\" && $frtile.querySelector(\".target\").textContent === \"Mục tiêu ≥ 1.000\""
fixture fr 4242
page_ok "a value changed in the feed (500 -> 4242) appears on its tile within 2 s" 2000 \
    "$frtile.dataset.value === \"4242\""
page_ok "shown as 4.242 (vi-VN digits, 0 decimals), status ok" 2000 \
    "$frtile.querySelector(\".value\").textContent === \"4.242\" && $frtile.dataset.status === \"ok\""
page_ok "its sparkline has the two values seen" 2000 \
    "$frtile.querySelectorAll(\".spark polyline\").length === 1 && $frtile.querySelector(\".spark polyline\").getAttribute(\"points\").split(\" \").length === 2"
fr_alert() { grep -c '"event":"leave"' "$tmp/alerts.txt"; }
check "iocd sends the breach's end on _alert/fr/test.wall.value/96" wait_for 5 test "$(fr_alert)" -eq 1
page_ok "the ticker shows it" 5000 \
    'document.getElementById("ticker-text").textContent.includes("✓ hết: không đạt mục tiêu: Giá trị thử nghiệm của màn hình — Tỉnh Cà Mau 4.242")'
if ! jqe .ok <<<"$reply"; then
    page_value 'document.getElementById("ticker-text").textContent'
    echo "#   ticker: $value"
    sed 's/^/#   alert: /' "$tmp/alerts.txt"
fi

### a stale series turns grey ##################################################
sttile='document.querySelector(".tile[data-series=\"st/test.wall.old/96\"]")'
fixture st 8
page_ok "st's fresh value (8) is shown, not stale" 5000 "$sttile.dataset.value === \"8\" && $sttile.dataset.stale === \"false\""
page_ok "its data older than max_age 6s: grey, with 'Cũ' and its age" 12000 \
    "$sttile.dataset.stale === \"true\" && getComputedStyle($sttile.querySelector(\".value\")).color === \"rgb(93, 102, 112)\" && $sttile.querySelector(\"[data-age]\").textContent.startsWith(\"Cũ · \")"
same '"old_data"' "$(grep '^ioc/v1/96/st/' <(mqtt_retained "$MQTT" 'ioc/v1/96/st/#' /dev/stdout) | cut -d' ' -f2- | jq -c .stale.reason)" \
    "the broker's retained record has iocd's stale marker (old_data)"
page_ok "fr's tile is not grey" 1000 \
    "$frtile.dataset.stale === \"false\" && getComputedStyle($frtile.querySelector(\".value\")).color !== \"rgb(93, 102, 112)\""
jqe .ok <<<"$reply" || { page_value "JSON.stringify({...$frtile.dataset, color: getComputedStyle($frtile.querySelector(\".value\")).color, state: $frtile.closest(\".source\").dataset.state})"; echo "#   fr: $value"; }

### broker restart: no connection, then back ###################################
all_grey='[...document.querySelectorAll(".tile .value, .commune .cvalue")].every(v => getComputedStyle(v).color === "rgb(93, 102, 112)")'
stop_pid "$MQTT_PID_M"
page_ok "broker stopped: the 'no connection' banner shows" 5000 \
    'document.body.dataset.connection === "down" && !document.getElementById("banner").hidden && document.getElementById("banner").textContent.startsWith("MẤT KẾT NỐI")'
page_ok "and every value is grey, none frozen in colour" 2000 "$all_grey"
page_ok "no value is shown without its age" 2000 \
    '[...document.querySelectorAll(".tile")].every(t => t.querySelector("[data-age]").textContent !== "")'
start_mosquitto M "$MQTT"
page_ok "broker back: the page reconnects by itself, the banner goes" 20000 \
    'document.body.dataset.connection === "up" && document.getElementById("banner").hidden'
page_ok "every tile is heard again (iocd re-publishes), none left grey but the stale one" 20000 \
    "$tiles_js === $expected && [...document.querySelectorAll(\".tile\")].every(t => t.dataset.unconfirmed === \"false\")"
page_ok "fr's value is back: 4.242" 5000 "$frtile.querySelector(\".value\").textContent === \"4.242\""

### kill -9: every source offline (last will) ##################################
kill -KILL "$IOCD_PID"
wait "$IOCD_PID" 2>/dev/null
page_ok "kill -9 of iocd: every source offline within 5 s (last will)" 5000 \
    '[...document.querySelectorAll(".source")].map(s => s.dataset.source + ":" + s.dataset.state).sort().join(" ") === "example:offline fr:offline st:offline telecom:offline"'

### per-series de-duplication ##################################################
# With iocd stopped, two copies of fr's record on its topic, in this order:
# an older one (seq - 1, value 1) and a newer one (seq + 1000, value 4243).
# The page must skip the first and take the second.
mqtt_retained "$MQTT" ioc/v1/96/fr/test.wall.value/96 "$tmp/fr.txt"
cut -d' ' -f2- "$tmp/fr.txt" | jq -c '(.seq -= 1 | .value = 1), (.seq += 1000 | .value = 4243)' >"$tmp/copies.jsonl"
timeout 10 mosquitto_pub -p "$MQTT" -t ioc/v1/96/fr/test.wall.value/96 -q 1 -l <"$tmp/copies.jsonl"
page_ok "a newer seq of a series is taken (4.243)" 5000 "$frtile.querySelector(\".value\").textContent === \"4.243\""
# (4242 may be there twice: iocd may publish it again with a new seq.)
page_value 'JSON.stringify([...new Set(series.get("fr/test.wall.value/96").history)])'
same '"[500,4242,4243]"' "$value" "an older seq of the same series was skipped: the values seen are 500, 4242, 4243"

### English ####################################################################
ask open "http://127.0.0.1:$ws_port/?lang=en"
page_ok "?lang=en: the English label '$label_en'" 15000 "$tile && $tile.querySelector(\".label\").textContent === \"$label_en\""
page_ok "and English states" 5000 'document.querySelector(".source[data-source=\"fr\"] .state").textContent === "offline"'

ask console
errors=$(jq -r '.value[]? | select(test("pageerror|Uncaught"))' <<<"$reply")
same "" "$errors" "the page logged no script error"
# quit: the probe closes Chromium and exits by itself (a zombie until reaped).
ask quit
probe_rc=timeout
for ((i = 0; i < 100; i++)); do
    if ! ps -o stat= -p "$PROBE_PID_" | grep -qv Z; then
        wait "$PROBE_PID_"
        probe_rc=$?
        break
    fi
    sleep 0.1
done
same 0 "$probe_rc" "the probe closes Chromium and exits"
finish
