#!/bin/sh
# Node >= 20.19 and the Node clients tests/clients runs for real, from the npm registry, into
# .cache/ (git-ignored; never vendored):
#   .cache/node/bin/node   the Node the tests run: a link to the system's when it is new enough
#                          (Prisma 7 wants ^20.19 || ^22.12 || >=24), else the binary the npm registry
#                          ships as the package node-linux-<arch> (Debian bookworm's nodejs is 18)
#   .cache/node-clients/   the exact versions of tests/clients/node/package-lock.json, and Prisma's
#                          client generated from tests/clients/node/prisma/schema.prisma (offline)
# Reinstalls only when the lockfile or the schema changed. Fails (exit 1) when it cannot: the
# client tests never skip.
# Environment: PGC_CACHE (default <repo>/.cache); PGC_NODE_IGNORE_SYSTEM=1 installs Node from the
# registry even when the system's would do (to test that path).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${PGC_CACHE:-$root/.cache}
spec=$root/tests/clients/node
node_version=22.23.5

fail() { echo "node-deps: $*" >&2; exit 1; }

new_enough() {
  "$1" -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 24 ? 0 : 1);
  ' 2>/dev/null
}

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "node-deps: installing npm (Debian's; it fetches the Node the tests run)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends npm >/dev/null
  else
    fail "npm is missing — install it, e.g.: sudo apt-get install npm"
  fi
fi

# 1. Node
mkdir -p "$cache/node/bin"
node=$cache/node/bin/node
system_node=$(command -v node || true)
if [ -z "${PGC_NODE_IGNORE_SYSTEM:-}" ] && [ -n "$system_node" ] && new_enough "$system_node"; then
  [ "$(readlink "$node" 2>/dev/null || true)" = "$system_node" ] || ln -sfn "$system_node" "$node"
elif ! { [ -x "$node" ] && [ "$("$node" --version 2>/dev/null)" = "v$node_version" ]; }; then
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no Node $node_version package for $(uname -m) in the npm registry" ;;
  esac
  echo "node-deps: installing Node $node_version (npm package node-linux-$arch)" >&2
  rm -rf "$cache/node-dist"
  npm install --prefix "$cache/node-dist" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund --loglevel=error "node-linux-$arch@$node_version" >/dev/null
  ln -sfn "$cache/node-dist/node_modules/node-linux-$arch/bin/node" "$node"
fi
new_enough "$node" || fail "$node is not Node >= 20.19: $("$node" --version 2>&1 || true)"

# 2. The clients, exact versions, no install scripts (prisma's would download engines the tests
#    do not use), then Prisma's client generated with the Node above.
clients=$cache/node-clients
if cmp -s "$spec/package-lock.json" "$clients/package-lock.json" \
  && cmp -s "$spec/prisma/schema.prisma" "$clients/prisma/schema.prisma" \
  && [ -f "$clients/.installed" ]; then
  exit 0
fi
echo "node-deps: installing the Node clients of tests/clients/node/package.json" >&2
rm -rf "$clients"
mkdir -p "$clients/prisma"
cp "$spec/package.json" "$spec/package-lock.json" "$clients/"
cp "$spec/prisma/schema.prisma" "$clients/prisma/"
(cd "$clients" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

# `prisma generate` needs no schema engine (the WASM schema tools ship in the package), but the
# CLI looks for one on start and would download it: point it at a stub that says so.
stub=$clients/no-schema-engine
printf '#!/bin/sh\necho "no Prisma schema engine here: the tests only generate the client" >&2\nexit 1\n' >"$stub"
chmod +x "$stub"
(cd "$clients" && PRISMA_SCHEMA_ENGINE_BINARY=$stub CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 \
  "$node" node_modules/prisma/build/index.js generate --schema prisma/schema.prisma >/dev/null)
[ -f "$clients/node_modules/.prisma/client/index.js" ] || fail "prisma generate made no client"
touch "$clients/.installed"
