#!/bin/sh
# Installs the dashboard's third-party browser libraries with npm (from package-lock.json) and
# copies the files the dashboard loads into OUT (the jar's resources). Run by the Maven build.
# npm ci runs only when node_modules is missing or package-lock.json changed since it last ran,
# so offline builds (./mvnw -o) keep working once node_modules exists.
set -eu
OUT="$1"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ERROR: '$tool' not found on the PATH. The dashboard's front-end libraries (xterm.js, noVNC) are installed with npm at build time." >&2
    echo "ERROR: install Node.js and npm (Debian: apt-get install nodejs npm; ./warren build|up|test installs them), then build again." >&2
    exit 1
  fi
done

cd "$(dirname "$0")"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.warren-lock-sha256 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "dashboard: npm ci (package-lock.json changed or node_modules missing)"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.warren-lock-sha256
fi

rm -rf "$OUT"
mkdir -p "$OUT/xterm" "$OUT/novnc"
cp node_modules/@xterm/xterm/lib/xterm.mjs node_modules/@xterm/xterm/css/xterm.css node_modules/@xterm/xterm/LICENSE "$OUT/xterm/"
cp node_modules/@xterm/addon-fit/lib/addon-fit.mjs "$OUT/xterm/"
cp node_modules/@xterm/addon-fit/LICENSE "$OUT/xterm/LICENSE-addon-fit"
cp -R node_modules/@novnc/novnc/core node_modules/@novnc/novnc/vendor node_modules/@novnc/novnc/LICENSE.txt "$OUT/novnc/"
