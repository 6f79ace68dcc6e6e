#!/usr/bin/env bash
# webdeps.sh - the wall page's npm packages (web/package.json): mqtt.js,
# whose browser bundle the page loads, and playwright-core, which drives
# Debian's Chromium in tests/integration/test_wall.sh. `npm ci` installs
# exactly the versions of web/package-lock.json and checks each tarball
# against its integrity hash there; nothing is fetched at page load. The
# bundle is then copied to web/wall/vendor/, inside the directory the
# broker serves (http_dir), so the page reaches it. No browser is
# downloaded: the test uses /usr/bin/chromium. Safe to run again: it does
# nothing when the lock file has not changed since the last install.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
web=$top/web
stamp=$web/node_modules/.iocd-lock
if [ -f "$stamp" ] && cmp -s "$stamp" "$web/package-lock.json" &&
    [ -f "$web/wall/vendor/mqtt.min.js" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "webdeps: npm is not installed (tools/deps.sh installs it)" >&2; exit 1; }
echo "webdeps: npm ci in web/ (mqtt, playwright-core, pinned by web/package-lock.json)"
(cd "$web" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
mkdir -p "$web/wall/vendor"
cp "$web/node_modules/mqtt/dist/mqtt.min.js" "$web/wall/vendor/mqtt.min.js"
cp "$web/package-lock.json" "$stamp"
