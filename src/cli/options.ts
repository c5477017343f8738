import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  count,
  dataDir,
  HASH_ALGORITHMS,
  NodupeError,
  parseTypeFilter,
  type HashAlgorithm,
  type TypeFilter,
} from '../index.js';
import { HABITS } from './habits.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "4096", "10K", "1.5MiB", "2G": binary units (K = 1024), with an optional "iB" or "B". */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) {
    throw new InvalidArgumentError(`expected a size such as 4096, 10K, 1.5MiB or 2G, received "${text}"`);
  }
  return Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

/** "50MiB/s", "50M/s" or "50M": bytes per second, more than 0. */
export function parseRate(text: string): number {
  const bytes = parseSize(text.replace(/\/s$/i, ''));
  if (bytes <= 0)
    throw new InvalidArgumentError(`expected a rate above 0, such as 50MiB/s, received "${text}"`);
  return bytes;
}

/** A whole number of at least `min` (and at most `max`, when given). */
export function parseCount(min: number, max?: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new InvalidArgumentError(
        max === undefined
          ? `expected a whole number of at least ${min}, received "${text}"`
          : `expected a whole number from ${min} to ${max}, received "${text}"`,
      );
    }
    return n;
  };
}

/**
 * The most hashing threads `--threads` takes. Each is a worker thread with its own heap and read buffer (a few
 * MB), and hashing is bound by the disk long before 256 threads; more would only cost memory.
 */
export const MAX_THREADS = 256;

/** A hasher's name; whether one by that name exists is known once plugins are loaded. */
export function parseHash(text: string): HashAlgorithm {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(text)) {
    throw new InvalidArgumentError(
      `expected a hash name such as ${HASH_ALGORITHMS.join(', ')}, received "${text}"`,
    );
  }
  return text;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `$XDG_DATA_HOME/nodupe/catalog.db`, falling back to ~/.local/share as the XDG spec says. */
export function defaultCatalogPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDir(env), 'catalog.db');
}

/** Options every command shares. */
export function addCommonOptions(command: Command): Command {
  return command
    .option(
      '--catalog <path|url>',
      'the catalog: an SQLite file (default: $XDG_DATA_HOME/nodupe/catalog.db), or a PostgreSQL database shared ' +
        'by many machines, postgres://USER@HOST:PORT/DATABASE (the password from PGPASSWORD or ~/.pgpass)',
    )
    .option('--config <file>', 'the config file (default: $XDG_CONFIG_HOME/nodupe/config.toml)')
    .option('--plugins <dir>', 'load the plugins in this folder too (repeatable)', collect)
    .option(
      '--allow-unsafe-plugins',
      "load plugins even when other users can change them (writable by group or others, or not yours or root's)",
    )
    .option('-q, --quiet', 'no progress and no warnings on stderr')
    .option('-v, --verbose', 'say more: every unreadable file and folder, every action taken')
    .option('--no-progress', 'no progress display')
    .option('--profile', 'print per-phase timings on stderr at the end')
    .option('--cpu-prof <file>', 'write a V8 CPU profile of the main thread to <file>');
}

/** How a command that reads contents reads: `--hash` (unless it is the manifest's), `--threads`, `--max-read-rate`. */
export function addReadOptions(command: Command, { hash = true }: { hash?: boolean } = {}): Command {
  if (hash) {
    command.option(
      '--hash <algorithm>',
      `content hash: ${HASH_ALGORITHMS.join(', ')}, or a plugin's`,
      parseHash,
      'xxh3',
    );
  }
  return command
    .option(
      '--threads <n>',
      `hashing threads, 1 to ${MAX_THREADS} (default: the number of CPUs)`,
      parseCount(1, MAX_THREADS),
    )
    .option('--max-read-rate <rate>', 'throttle content reads, such as 50MiB/s', parseRate);
}

/**
 * Options of the commands that scan. fdupes and jdupes need -r to enter folders; nodupe always does, so their
 * -r and -R are taken and change nothing.
 */
export function addScanOptions(command: Command): Command {
  command
    .hook('preAction', (_command, action) => checkSizes(action.opts()))
    .option('--exclude <glob>', 'leave out files and folders matching (repeatable)', collect)
    .option('--include <glob>', 'keep only files matching (repeatable)', collect)
    .option('--min-size <size>', 'leave out files smaller than this (10K, 1MiB, ...)', parseSize)
    .option('--max-size <size>', 'leave out files larger than this', parseSize)
    .option('--no-hidden', 'leave out names that start with a dot')
    .option('--one-file-system', 'do not cross into other file systems')
    .option('--max-depth <n>', 'enter at most n folder levels below each root', parseCount(0))
    .option('--follow-symlinks', 'follow symbolic links (loops are detected)')
    .option('--include-empty', 'report empty files as duplicates of each other')
    .option(
      '--archives',
      'catalogue the members of zip, tar (.gz, .bz2, .xz, .zst) and 7z archives, read-only, and group them with files',
    );
  return addReadOptions(command)
    .addOption(
      new Option('-r, --recurse', 'accepted: folders are always scanned recursively').helpGroup(HABITS),
    )
    .addOption(new Option('-R, --recurse:', 'accepted, the same').helpGroup(HABITS));
}

/** `--type image`, `--type 'video/*,audio/*'`: repeatable, or a comma list; each item checked now. */
function collectTypes(value: string, previous: TypeFilter[] | undefined): TypeFilter[] {
  const filters = [...(previous ?? [])];
  for (const item of value.split(',')) {
    const filter = parseTypeFilter(item);
    if (typeof filter === 'string') throw new InvalidArgumentError(filter);
    filters.push(filter);
  }
  return filters;
}

/** `--type` for the commands that print or plan groups: only groups whose content is of these types. */
export function addTypeOption(command: Command): Command {
  return command.option(
    '--type <type>',
    "keep only groups whose content is of this type, detected from its first bytes: image, 'video/*', " +
      'application/pdf (repeatable, or a comma list)',
    collectTypes,
  );
}

export interface TypeCliOptions {
  type?: TypeFilter[];
}

/** `--min-size` above `--max-size` would leave out every file: bad input, said before anything is touched. */
function checkSizes(options: { minSize?: number; maxSize?: number }): void {
  const { minSize, maxSize } = options;
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
    throw new NodupeError(
      'BAD_INPUT',
      `--min-size (${count(minSize, 'byte')}) is above --max-size (${count(maxSize, 'byte')}): no file could be kept`,
    );
  }
}

export interface CommonOptions {
  catalog?: string;
  config?: string;
  plugins?: string[];
  allowUnsafePlugins?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  progress: boolean;
  profile?: boolean;
  cpuProf?: string;
}

export interface ScanCliOptions extends CommonOptions {
  exclude?: string[];
  include?: string[];
  minSize?: number;
  maxSize?: number;
  hidden: boolean;
  oneFileSystem?: boolean;
  maxDepth?: number;
  followSymlinks?: boolean;
  includeEmpty?: boolean;
  archives?: boolean;
  hash: HashAlgorithm;
  threads?: number;
  maxReadRate?: number;
}
