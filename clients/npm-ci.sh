#!/bin/sh
# Installs a client project's npm packages from its package-lock.json (npm ci), only when
# node_modules is missing or the lock file changed since the last install. Used by the tests that
# run the TypeScript SDK's and the npm clients' suites (WarrenClientsTest).
set -eu
cd "$1"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.warren-lock-sha256 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "$1: npm ci (package-lock.json changed or node_modules missing)"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.warren-lock-sha256
fi
