#!/bin/sh
# Debian's chromium for the browser tests: Playwright drives /usr/bin/chromium,
# so no browser is downloaded at test time. Called by `make test` when it is missing
# and make runs as root or with CI=true (otherwise the browser tests are skipped).
set -eu
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: the browser tests need Debian's chromium at $CHROMIUM, and apt-get is not available;" >&2
    echo "       install chromium with your package manager and link it to $CHROMIUM" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "error: installing chromium needs root: run 'apt-get install chromium' as root" >&2
        exit 1
    fi
    SUDO="sudo"
fi
echo "installing Debian's chromium and a font for the browser tests (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
