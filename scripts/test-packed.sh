#!/usr/bin/env bash
# Checks nodupe as users get it: packs this tree as `npm publish` would, installs the tarball globally into a
# temporary prefix (`npm install -g`), and runs the installed `nodupe` from the PATH, in an empty folder:
# --version; a scan that must list two identical files; a plan written, then read back through the plan schema
# by `apply --dry-run`; a format plugin in its worker thread; and the library's entry points, `nodupe` and
# `nodupe/plugin`. A file the package needs that package.json "files" leaves out fails one of these.
# Installing compiles better-sqlite3 unless a binary fits: the one this tree's `npm ci` built is offered as a
# local prebuild (prebuild-install takes it when version, Node ABI and platform match, and checks it loads).
# Everything lives in one temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'test-packed: %s\n' "$*" >&2; }
fail() {
  say "error: $*"
  exit 1
}

work=$(mktemp -d -t nodupe-packed.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/pack" "$work/prebuilds" "$work/prefix" "$work/empty" "$work/home" "$work/tree" "$work/plugins"

say "npm pack (its prepare script builds dist/)"
npm pack --pack-destination "$work/pack" --loglevel=warn >&2
tarball=("$work"/pack/nodupe-*.tgz)
[ -f "${tarball[0]}" ] || fail "npm pack made no nodupe-*.tgz"

addon=node_modules/better-sqlite3
# The file name prebuild-install looks for, from its own rules: name, version, runtime, ABI, platform, libc, arch.
prebuild_name() {
  (cd "$addon" && node -e '
    const load = require("node:module").createRequire(process.cwd() + "/package.json");
    const pkg = load("./package.json");
    const options = { ...load("prebuild-install/rc")(pkg), pkg };
    console.log(require("node:path").basename(load("prebuild-install/util").getDownloadUrl(options)));
  ')
}
if [ -f "$addon/build/Release/better_sqlite3.node" ] && name=$(prebuild_name); then
  tar -czf "$work/prebuilds/$name" -C "$addon" build/Release/better_sqlite3.node
  # prebuild-install reads its settings from the first .prebuild-installrc above the folder it installs into.
  printf 'local-prebuilds=%s\n' "$work/prebuilds" >"$work/.prebuild-installrc"
  say "offering $addon/build/Release/better_sqlite3.node as the local prebuild $name"
else
  say "no better-sqlite3 binary to offer (run npm ci first): the install compiles it"
fi

say "npm install -g --prefix $work/prefix ${tarball[0]##*/} (from an empty folder)"
start=$SECONDS
(cd "$work/empty" && npm install -g --prefix "$work/prefix" --no-audit --no-fund --loglevel=warn "${tarball[0]}" >&2)
installed=$work/prefix/lib/node_modules/nodupe
sqlite=$(dirname "$(cd "$installed" && node -p 'require.resolve("better-sqlite3/package.json")')")
if cmp -s "$addon/build/Release/better_sqlite3.node" "$sqlite/build/Release/better_sqlite3.node"; then
  how="reused the better-sqlite3 binary built by npm ci"
else
  how="compiled better-sqlite3"
fi
say "installed in $((SECONDS - start)) s ($how)"
# The install builds the native folder reader, or says why not and leaves nodupe reading folders in JavaScript;
# under CI it must be built.
reader=$(cd "$installed" && node --input-type=module -e "
  const { walkReader } = await import('./dist/scan/native-reader.js');
  const r = walkReader();
  console.log(r.reader === 'native' ? 'native' : 'js (' + r.reason + ')');
")
if [ "$reader" != native ] && [ "${CI:-}" = true ]; then fail "the native folder reader was not built: $reader"; fi
say "folder reader: $reader"

# From here on nodupe runs as a user would run it: from the PATH, in an empty folder, with a home of its own.
export PATH="$work/prefix/bin:$PATH" HOME="$work/home"
unset XDG_DATA_HOME XDG_CONFIG_HOME XDG_STATE_HOME XDG_CACHE_HOME
cd "$work/empty"
[ "$(command -v nodupe)" = "$work/prefix/bin/nodupe" ] || fail "nodupe is not on the PATH from $work/prefix/bin"

expected=$(node -p 'require(process.argv[1]).version' "$installed/package.json")
[ "$(nodupe --version)" = "$expected" ] || fail "nodupe --version did not print $expected"
say "nodupe --version: $expected"

# Two identical files and one of the same size that differs.
tree=$work/tree
mkdir "$tree/sub"
printf 'the same bytes\n' >"$tree/a.txt"
printf 'the same bytes\n' >"$tree/sub/b.txt"
printf 'other id bytes\n' >"$tree/c.txt"
expect_group() {
  if ! grep -qxF "$tree/a.txt" <<<"$1" || ! grep -qxF "$tree/sub/b.txt" <<<"$1" || grep -qF "$tree/c.txt" <<<"$1"; then
    fail "$2 did not list exactly the two identical files; it printed:"$'\n'"$1"
  fi
}
status=0
out=$(nodupe -r "$tree" 2>"$work/stderr") || status=$?
if [ "$status" = 2 ] && grep -qF "unknown option '-r'" "$work/stderr"; then
  say "NOTE: this nodupe refuses -r (unknown option); checking \`nodupe DIR\` instead"
  out=$(nodupe "$tree" 2>"$work/stderr") || fail "nodupe DIR failed: $(cat "$work/stderr")"
  expect_group "$out" "nodupe DIR"
elif [ "$status" = 0 ]; then
  expect_group "$out" "nodupe -r DIR"
else
  fail "nodupe -r DIR exited with $status: $(cat "$work/stderr")"
fi
say "nodupe found the two identical files"

nodupe plan "$tree" -o "$work/plan.json" 2>"$work/stderr" || fail "nodupe plan failed: $(cat "$work/stderr")"
out=$(nodupe apply "$work/plan.json" --dry-run 2>"$work/stderr") ||
  fail "nodupe apply --dry-run failed: $(cat "$work/stderr")"
grep -qF "$tree/sub/b.txt" <<<"$out" ||
  fail "nodupe apply --dry-run did not name the copy it would act on; it printed:"$'\n'"$out"
say "nodupe plan, then apply --dry-run, read the plan back through its schema"

cat >"$work/plugins/tsv-format.mjs" <<'EOF'
export default {
  name: 'tsv-format',
  version: '1.0.0',
  api: '^1',
  provides: {
    formats: [
      {
        name: 'tsv',
        render(report, out) {
          for (const group of report.groups) for (const file of group.files) out.write(`${group.size}\t${file.paths[0]}\n`);
        },
      },
    ],
  },
};
EOF
out=$(nodupe dupes --plugins "$work/plugins" --format tsv "$tree" 2>"$work/stderr") ||
  fail "nodupe dupes with a format plugin failed: $(cat "$work/stderr")"
grep -qxF $'15\t'"$tree/sub/b.txt" <<<"$out" ||
  fail "the format plugin's output is not what it writes; nodupe printed:"$'\n'"$out"
say "a format plugin ran in its worker thread"

# A script beside the global node_modules resolves `nodupe` the way a program depending on it does.
printf '%s\n' "import 'nodupe';" "import { definePlugin } from 'nodupe/plugin';" \
  "if (typeof definePlugin !== 'function') throw new Error('nodupe/plugin has no definePlugin');" \
  >"$work/prefix/lib/imports.mjs"
node "$work/prefix/lib/imports.mjs" || fail "import 'nodupe' or 'nodupe/plugin' failed"
say "import 'nodupe' and 'nodupe/plugin' work"

say "the packed package works when installed globally ($(du -k "${tarball[0]}" | cut -f1) KiB packed)"
