#!/usr/bin/env node
// The command line, bundled at build time (scripts/bundle-cli.mjs): a few files to load instead of one per module.
const { main } = await import('../dist/bundle/nodupe.js');
// A failed write of the output (see the CLI context) has set 1 already; it stands.
process.exitCode = (await main(process.argv.slice(2))) || process.exitCode;
