import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  dataDir,
  displayPath,
  isPostgresLocation,
  nodeFileOps,
  NodupeError,
  outputProblem,
  ownFolders,
  writeOutput,
  type CatalogStore,
  type OutputRules,
  type OwnPlaces,
} from '../index.js';
import type { CliContext } from './context.js';

/** `-o -`: stdout, as `sort -o -` and curl's `-o -` mean it. A file named `-` is `-o ./-`. */
export const STDOUT = '-';

type Stream = 'stdout' | 'stderr';

/**
 * The names of stdout and stderr that `-o` takes for nodupe's own streams, as it takes `-` (bash and gawk read
 * them so too). They are written through those streams, never opened by name: opened, /dev/fd/N would be
 * whatever nodupe itself holds open under N by then. Any other descriptor path is refused (see `resolveOutput`):
 * `-o - >&3` says the same, with the shell choosing the descriptor.
 */
const STREAM_NAMES: ReadonlyMap<string, Stream> = new Map(
  (['stdout', 'stderr'] as const).flatMap((stream, i) =>
    [
      `/dev/${stream}`,
      ...['/dev/fd', '/proc/self/fd', '/proc/thread-self/fd'].map((f) => `${f}/${i + 1}`),
    ].map((name) => [name, stream] as const),
  ),
);

/** The stream `-o FILE` names: stdout for `-` and /dev/stdout, /dev/fd/1, ...; stderr for /dev/stderr, .... */
function streamNamed(ctx: CliContext, file: string): Stream | undefined {
  return file === STDOUT ? 'stdout' : STREAM_NAMES.get(resolve(ctx.cwd, file));
}

/** Whether `-o FILE` is stdout (`-`, /dev/stdout, /dev/fd/1, /proc/self/fd/1); false without `-o`. */
export function isStdout(ctx: CliContext, file: string | undefined): boolean {
  return file !== undefined && streamNamed(ctx, file) === 'stdout';
}

/**
 * nodupe's own places (see `OwnPlaces`), by their real paths, which no output may name: the catalog at `location`
 * (a file, and its -wal, -shm and -journal; none for a PostgreSQL catalog), the data folder, and, with the open
 * `catalog`, its runs' quarantine folders (before it is opened, they are not known yet).
 */
export function ownPlaces(ctx: CliContext, location: string, catalog?: CatalogStore): OwnPlaces {
  const folders = catalog === undefined ? [dataDir(ctx.env)] : ownFolders(catalog, dataDir(ctx.env));
  if (isPostgresLocation(location)) return { files: [], folders: folders.map(real) };
  const db = real(location);
  return { files: [db, `${db}-wal`, `${db}-shm`, `${db}-journal`], folders: folders.map(real) };
}

/** A path's real path, or, for one that does not exist yet, its real folder's and its name. */
function real(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    try {
      return join(realpathSync.native(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/** `-o FILE` checked before any work: a wrong one is refused at once, `nodupe: -o FILE: reason`, exit 2. */
export function checkOutputFile(ctx: CliContext, file: string, own: OwnPlaces): void {
  if (streamNamed(ctx, file) !== undefined) return;
  const path = resolve(ctx.cwd, file);
  const problem = outputProblem(nodeFileOps, path, { own });
  if (problem !== undefined) throw new NodupeError('BAD_INPUT', `-o ${path}: ${problem}`);
}

/**
 * Writes `text` where `-o FILE` says (see `writeOutput`), or to the stream it names (`-`, /dev/stdout,
 * /dev/stderr, ...), and tells, through `warn`, of the temporary files a killed nodupe left there and that were
 * removed. A failure is `nodupe: -o FILE: reason`: exit 2 for a FILE that may not be written (a folder, a block
 * device, a descriptor other than stdout's or stderr's, one of nodupe's own places: `rules.own`, ...), 1 for a
 * write that failed.
 */
export function writeOutputFile(
  ctx: CliContext,
  file: string,
  text: string,
  warn: (message: string) => void,
  rules: OutputRules & { own: OwnPlaces },
): void {
  const stream = streamNamed(ctx, file);
  if (stream !== undefined) {
    ctx[stream].write(text);
    return;
  }
  const path = resolve(ctx.cwd, file);
  let removed;
  try {
    removed = writeOutput(nodeFileOps, path, text, ctx.clock, rules);
  } catch (error) {
    if (!(error instanceof NodupeError)) throw error;
    throw new NodupeError(error.code, `-o ${path}: ${error.message}`, { cause: error.cause });
  }
  for (const left of removed) warn(`removed ${displayPath(left)}, left by an interrupted nodupe`);
}
