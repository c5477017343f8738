#!/usr/bin/env bash
# Runs the whole test suite on Node 24, in a copy of this tree whose dependencies Node 24 installs itself, so
# every native addon (better-sqlite3) is compiled for Node 24's ABI; this tree and its node_modules, built for
# the Node in use, are left as they are. Node 24 comes from the npm registry: the `node` package installs the
# official release, binary and C headers. Everything lives in one temporary folder, removed at the end.
# Under CI (CI=true), not getting Node 24 fails the run; elsewhere the script says so and skips.
set -euo pipefail
cd "$(dirname "$0")/.."
major=24
# On Node 22 and later nodupe uses better-sqlite3 13 (the optional dependency `better-sqlite3-v13`): version 12
# aborts the process on Node 24.19 and later when the garbage collector frees a statement. So here only 13 is
# compiled (npm ci --ignore-scripts, then a rebuild of that one package), which also keeps this step short.

say() { printf 'test-node%s: %s\n' "$major" "$*" >&2; }
unavailable() {
  if [ "${CI:-}" = true ]; then
    say "error: $1"
    exit 1
  fi
  say "skipped, the suite did NOT run on Node $major: $1"
  exit 0
}

work=$(mktemp -d -t "nodupe-node$major.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Installs the npm package node@$2 into $work/$1.
install_node() {
  say "installing Node $2 from the npm registry into $work/$1"
  mkdir "$work/$1"
  printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$work/$1/package.json"
  (cd "$work/$1" && npm install --no-audit --no-fund --loglevel=error "node@$2" >&2) ||
    unavailable "could not install the npm package node@$2"
}
install_node node "$major"
node_bin=$work/node/node_modules/.bin
version=$("$node_bin/node" --version)
case $version in
  "v$major".*) ;;
  *) unavailable "the npm package node@$major installed Node $version" ;;
esac
say "copying the tree (every file git tracks or would add; not node_modules, dist, .git) into $work/tree"
mkdir "$work/tree"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do
    # A tracked file deleted in the working tree is not copied.
    if [ -e "$file" ] || [ -L "$file" ]; then printf '%s\0' "$file"; fi
  done |
  tar --null --files-from=- -cf - | tar -C "$work/tree" -xf -

cd "$work/tree"
export PATH="$node_bin:$PATH"
say "npm ci with Node $version (compiles better-sqlite3 13 for it; builds dist/)"
start=$SECONDS
npm ci --no-audit --no-fund --ignore-scripts
npm rebuild better-sqlite3-v13
# The native folder reader, skipped by --ignore-scripts with the rest: built here with Node $major's node-gyp.
npm run build:native
npm run build
node --input-type=module -e "
  const { Database } = await import('./dist/catalog/sqlite/driver.js');
  new Database(':memory:').close();
  const { createRequire } = await import('node:module');
  console.error('test-node$major: SQLite driver', createRequire(import.meta.url)('better-sqlite3-v13/package.json').version);
  const { walkReader } = await import('./dist/scan/native-reader.js');
  console.error('test-node$major: folder reader', JSON.stringify(walkReader()));
"
say "npm ci took $((SECONDS - start)) s"

say "running the test suite on Node $version"
start=$SECONDS
npm test
say "the test suite on Node $version took $((SECONDS - start)) s"
