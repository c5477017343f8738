#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// A scan allocates fast and keeps a lot alive (one record per file); V8's default heap growth then lets the heap
// reach twice the live data or more. Growing it by 20 % at a time keeps memory near what is alive, at no cost in
// speed measured on the benchmarks, and without a hard limit that a very large tree could hit.
setFlagsFromString('--heap-growing-percent=20');

// The command line, bundled at build time (scripts/bundle-cli.mjs): a few files to load instead of one per module.
const { main } = await import('../dist/bundle/nodupe.js');
// A failed write of the output (see the CLI context) has set 1 already; it stands.
process.exitCode = (await main(process.argv.slice(2))) || process.exitCode;
