#!/bin/sh
# npm runs this before `npm start` and `npm test`. On a fresh clone node_modules does
# not exist yet, and with it neither does Node 24 (the `node` devDependency that npm
# puts first on the PATH of every script), so install exactly what the lockfile pins.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "vigil: installing npm packages from package-lock.json" >&2
  npm ci --no-audit --no-fund >&2
fi
