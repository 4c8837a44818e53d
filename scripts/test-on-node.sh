#!/usr/bin/env bash
# Runs the whole test suite (unit and end-to-end) on another Node.js major version. The binary
# comes from the npm registry's `node` package, so nothing but the registry is needed; it is kept
# in .cache/node-<major>. Run `npm test` (or `npm run build`) first: the build is the same JavaScript
# on every version. Usage: scripts/test-on-node.sh 22
set -euo pipefail
major="${1:?usage: scripts/test-on-node.sh <node major version, e.g. 22>}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "test-on-node: '$major' is not a Node.js major version" >&2; exit 2; }
cd "$(dirname "$0")/.."
dir=".cache/node-$major"
if [ ! -x "$dir/node_modules/node/bin/node" ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dir" "node@$major"
fi
export PATH="$PWD/$dir/node_modules/node/bin:$PATH"
echo "test-on-node: $(node --version)"
node node_modules/vitest/vitest.mjs run
