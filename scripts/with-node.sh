#!/usr/bin/env bash
# scripts/with-node.sh <major|version> -- <command…>
# Runs <command…> on another Node.js, e.g. `scripts/with-node.sh 24 -- npm test` (CI does).
# - The Node comes from the npm registry: node-<platform>-<arch>@<major> (the official binary
#   and its include/node headers), installed into .ci/.node-<major>/ (gitignored); each run
#   asks npm for the newest <major>.x, a no-op when it is already there.
# - The command runs in a throwaway copy of this tree (uncommitted changes and node_modules
#   included, not .test-artifacts/ or data/), never in the tree itself: better-sqlite3 is a native
#   addon built for one Node ABI, and the copy gets it rebuilt against the other Node's headers
#   (npm rebuild --nodedir; the build is cached per addon version and ABI in the same dir). The
#   tree you run it from keeps its own build, so nothing has to be rebuilt back and an
#   interrupted run leaves it working. The other native packages (DuckDB, esbuild, rollup) are
#   ABI-independent.
# - That Node comes first on PATH (npm and npx run on it too), so `node`, `npm test`,
#   process.execPath in the tests and everything they spawn run on it.
# STRATA_NODE_KEEP=1 keeps the copy (its path is printed) for a look afterwards.
set -euo pipefail
if [[ $# -lt 3 || $2 != -- ]]; then
  echo "usage: $0 <major|version> -- <command…>   e.g. $0 24 -- npm test" >&2
  exit 2
fi
spec=$1
shift 2
major=${spec%%.*}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.ci/.node-$major"
pkg="node-$(node -p 'process.platform + "-" + process.arch')"
say() { echo "[with-node $spec] $*" >&2; }

# 1. The Node binary and headers, from the registry (a no-op when the newest match is there).
mkdir -p "$CACHE"
started=$SECONDS
npm install --prefix "$CACHE/dist" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$spec" >/dev/null
NODE_HOME="$CACHE/dist/node_modules/$pkg"
[[ -x $NODE_HOME/bin/node && -f $NODE_HOME/include/node/node_version.h ]] || { say "no binary or headers in $NODE_HOME"; exit 1; }
version=$("$NODE_HOME/bin/node" -v)
[[ ${version#v} == "$spec" || ${version#v} == "$spec".* ]] || { say "got $version from $pkg@$spec"; exit 1; }
say "node $version ($pkg, $((SECONDS - started)) s)"

# 2. The copy: the working tree as it is (uncommitted changes and node_modules included).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-node$major.XXXXXX")
cleanup() {
  if [[ ${STRATA_NODE_KEEP:-} == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
started=$SECONDS
tar -C "$ROOT" --exclude='./.ci/.node-*' --exclude=./.test-artifacts --exclude=./data -cf - . | tar -C "$WORK" -xf -
say "copied the tree to $WORK ($((SECONDS - started)) s)"

export PATH="$NODE_HOME/bin:$PATH" NODE="$NODE_HOME/bin/node" npm_config_nodedir="$NODE_HOME"
unset npm_node_execpath
[[ $(node -v) == "$version" ]] || { say "node on PATH is $(node -v), not $version"; exit 1; }

# 3. Native addons for this Node's ABI: a cached build, else npm rebuild against its headers.
cd "$WORK"
abi=$(node -p process.versions.modules)
if [[ -d node_modules/better-sqlite3 ]]; then
  bs3=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
  addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
  cached="$CACHE/addons/better-sqlite3-$bs3-abi$abi-$(node -p 'process.platform + "-" + process.arch').node"
  started=$SECONDS
  if [[ -f $cached ]]; then
    cp "$cached" "$addon"
    say "better-sqlite3 $bs3 for ABI $abi from the cache"
  else
    npm rebuild better-sqlite3 --nodedir="$NODE_HOME" --loglevel=error >/dev/null
    mkdir -p "$CACHE/addons" && cp "$addon" "$cached.tmp-$$" && mv "$cached.tmp-$$" "$cached"
    say "better-sqlite3 $bs3 rebuilt for ABI $abi ($((SECONDS - started)) s)"
  fi
  node -e 'new (require("better-sqlite3"))(":memory:").prepare("select 1").get()' \
    || { say "better-sqlite3 does not load on $version"; exit 1; }
fi

# 4. The command.
say "running: $*"
started=$SECONDS
status=0
"$@" || status=$?
say "exit $status after $((SECONDS - started)) s"
exit $status
