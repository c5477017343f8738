// The plugin API, version 1: what plugin authors import, as `nodupe/plugin`.
import type { Clock } from '../core/clock.js';
import type { DupesFormat, Output } from '../dupes/formats/format.js';
import type { DupesReport } from '../dupes/report.js';
import type { HashState } from '../hash/hashers.js';
import type { FsPath } from '../model/paths.js';
import type { PhysicalFile } from '../model/groups.js';
import { checkManifest } from './manifest.js';

/**
 * The plugin API this nodupe provides; a plugin states the semver range it needs in `api`.
 * 1.1.0: detectors make fingerprints in the worker threads (`module`, `subject`, `extensions`), in place of
 * `similarity(a, b)`, which no nodupe ever called (`nodupe similar` had not come).
 * 1.0.1: a path that is not UTF-8 reaches a plugin as a Buffer, as {@link FsPath} always said (1.0.0 handed
 * file plugins a plain Uint8Array, which prints as a list of numbers).
 */
export const PLUGIN_API_VERSION = '1.1.0';

/**
 * A content hash. Hashing runs in worker threads, which cannot share functions with the main thread: the
 * hasher names a module (a path relative to the plugin file, or a URL) that exports
 * `createHashState(): HashState`, and every hashing worker imports it.
 */
export interface HasherContribution {
  name: string;
  description?: string;
  module: string;
}

/** An output format of `nodupe dupes --format NAME`. */
export interface FormatContribution extends DupesFormat {
  description?: string;
}

/**
 * A keeper rule, usable as `--keep NAME` and in the config's `rules`: `compare(a, b)` is negative when `a`
 * should be kept rather than `b`, 0 when the rule cannot tell them apart (the next rule decides).
 */
export interface RuleContribution {
  name: string;
  description?: string;
  compare(a: PhysicalFile, b: PhysicalFile): number;
  /** What the rule saw in a file, for `plan --explain`. */
  show?(file: PhysicalFile): string;
}

/**
 * A near-duplicate detector, for `nodupe similar images|docs --detector NAME`. It runs in the fingerprinting
 * threads, which cannot share functions with the main thread: `module` names a module (a path relative to the
 * plugin file, or a URL) that every such thread imports, and that is handed each file's bytes and name once.
 * - `images`: it exports `fingerprint(bytes, name)`, resolving to `{ fingerprint }` (1 to 9 hashes of 64 bits, 8
 *   bytes each, big-endian: the picture's own first, then any variants of it, such as its turns) or
 *   `{ problem }`; two pictures are as far apart as the least Hamming distance between one's first hash and any
 *   of the other's.
 * - `docs`: it exports `text(bytes, name)`, resolving to `{ text }` or `{ problem }`; nodupe compares the texts as
 *   it compares documents (word 5-grams, MinHash and LSH, then their exact Jaccard).
 * A bad file is a `{ problem }` with the reason, never a throw. The catalog keeps fingerprints by the detector's
 * name and `version`: raise it when the fingerprints change.
 */
export interface DetectorContribution {
  name: string;
  description?: string;
  subject: 'images' | 'docs';
  /** The file name extensions it reads: lowercase, without the dot. */
  extensions: string[];
  module: string;
  /** 1 by default. */
  version?: number;
}

export interface Contributions {
  hashers?: HasherContribution[];
  formats?: FormatContribution[];
  rules?: RuleContribution[];
  detectors?: DetectorContribution[];
}

/** What a plugin may do with the run's rate limiter. */
export interface ReadBudget {
  acquire(n: number): Promise<void>;
}

export interface PluginLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What `setup` receives. */
export interface PluginContext {
  readonly name: string;
  readonly logger: PluginLogger;
  /** The plugin's section of the config file (`[plugin.NAME]`), or an empty object. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
  /**
   * The read budget of this run, when `--max-read-rate` is set: a plugin that reads files takes the bytes from
   * it first (`await ctx.limiter.acquire(bytes)`, at most the budget's burst at once).
   */
  readonly limiter: ReadBudget | undefined;
  /** Registers contributions made at setup time (beside the static `provides`). */
  readonly register: {
    hasher(h: HasherContribution): void;
    format(f: FormatContribution): void;
    rule(r: RuleContribution): void;
    detector(d: DetectorContribution): void;
  };
}

export interface PluginDefinition {
  /** Lowercase letters, digits, `.`, `_`, `-`; unique among the plugins loaded. */
  name: string;
  /** The plugin's own version (semver). */
  version: string;
  /** The plugin API versions it works with, as a semver range: `^1`. */
  api: string;
  /** Plugins that must be active before this one starts. */
  dependsOn?: string[];
  provides?: Contributions;
  setup?(ctx: PluginContext): void | Promise<void>;
  teardown?(): void | Promise<void>;
}

/**
 * Declares a plugin: checks the manifest (a mistake is a TypeError naming the field) and returns it.
 *
 * @example
 * ```js
 * import { definePlugin } from 'nodupe/plugin';
 * export default definePlugin({
 *   name: 'tsv',
 *   version: '1.0.0',
 *   api: '^1',
 *   provides: { formats: [{ name: 'tsv', render: (report, out) => out.write('...') }] },
 * });
 * ```
 */
export function definePlugin<T extends PluginDefinition>(definition: T): T {
  checkManifest(definition);
  return definition;
}

/**
 * Every path a plugin meets (the `paths` and `aliases` of a report's files and of the files a rule or a detector
 * is given, a report's `problems[].path` and `changed`) is an {@link FsPath}: a string when its bytes are UTF-8,
 * as nearly all are, otherwise a Buffer of its raw bytes. Either way `String(path)` shows it (bytes that are not
 * UTF-8 as U+FFFD), `out.write(path)` writes it exactly, and `node:fs` opens it.
 */
export type { DupesReport, FsPath, Output, HashState, PhysicalFile };
