#!/usr/bin/env bash
# deps.sh - install the Debian 12 packages iocd needs to build, test and
# run its demo, if any is missing. Safe to run again: it installs nothing
# when everything is there. As root it uses apt-get directly, otherwise
# sudo.
#
#   tools/deps.sh           the build, the tests, the demo
#   tools/deps.sh --bench   only what `make bench` adds (see below)
set -eu

packages=(
    build-essential pkg-config          # compiler, make
    libcurl4-openssl-dev libjansson-dev libsystemd-dev   # the daemon
    libmicrohttpd-dev                   # the daemon's /metrics and /health
    libmosquitto-dev librdkafka-dev     # its MQTT and Kafka sinks
    mosquitto mosquitto-clients kcat    # real brokers and clients for tests and the demo
    libcmocka-dev                       # unit tests
    clang libclang-rt-14-dev            # the fuzz target (make fuzz, make check): libFuzzer,
                                        # ASan and UBSan runtimes (only "recommended" by clang)
    zlib1g-dev                          # tools/feedsim, the feed simulator (its gzip pages)
    curl jq python3-jsonschema openssl  # integration tests (openssl: a test CA for MQTT over TLS)
    python3-prometheus-client           # test_metrics.sh parses /metrics with its parser
    systemd procps man-db               # systemd-analyze verify: /bin/kill (ExecReload), man(1)
    valgrind                            # test_valgrind.sh (memcheck of a daemon run)
    debhelper dpkg-dev fakeroot lintian # the Debian package (debian/, test_deb.sh)
    chromium fonts-noto-core            # the wall page (web/wall): test_wall.sh drives Debian's
                                        # Chromium; Noto renders Vietnamese diacritics
    nodejs                              # tools/webdeps.sh: mqtt.js and playwright-core (web/)
)

### make bench's peer (issue 13) ##########################################
# collectd 5.12, measured beside iocd on the same feed and brokers
# (tests/bench/run.sh, the collectd rows). Debian's collectd-core ships its
# plugins without their libraries: curl_json needs libcurl3-gnutls and
# libyajl2, mqtt needs libmosquitto1, write_kafka needs librdkafka1 (and
# libyajl2). The bench runs collectd itself, on its own configuration;
# the package's service is kept from starting (policy-rc.d below).
bench_packages=(collectd-core libcurl3-gnutls libyajl2 libmosquitto1 librdkafka1)
bench=no
if [ "${1:-}" = --bench ]; then
    packages=("${bench_packages[@]}")
    bench=yes
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs needs its npm package; NodeSource's nodejs ships npm and
# conflicts with Debian's: ask for the package only when the command lacks.
[ "$bench" = yes ] || command -v npm >/dev/null || missing+=(npm)
# The wall's npm packages (web/package-lock.json), once apt has npm.
webdeps() { [ "$bench" = yes ] || "$(dirname "$0")/webdeps.sh"; }
if [ ${#missing[@]} -eq 0 ]; then
    webdeps
    exit 0
fi

echo "deps: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
        echo "deps: need root to install: apt-get install ${missing[*]}" >&2
        exit 1
    }
    as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
if [ "$bench" = yes ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    # No service start from the package: the bench starts its own collectd.
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
    trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
webdeps
