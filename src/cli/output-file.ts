import { resolve } from 'node:path';
import { NodupeError } from '../core/errors.js';
import { nodeFileOps } from '../fs/file-ops.js';
import { outputProblem, writeOutput } from '../fs/output-file.js';
import { displayPath } from '../model/paths.js';
import type { CliContext } from './context.js';

/** `-o -`: stdout, as `sort -o -` and curl's `-o -` mean it. A file named `-` is `-o ./-`. */
export const STDOUT = '-';

/** `-o FILE` checked before any work: a wrong one is refused at once, `nodupe: -o FILE: reason`, exit 2. */
export function checkOutputFile(ctx: CliContext, file: string): void {
  if (file === STDOUT) return;
  const path = resolve(ctx.cwd, file);
  const problem = outputProblem(nodeFileOps, path);
  if (problem !== undefined) throw new NodupeError('BAD_INPUT', `-o ${path}: ${problem}`);
}

/**
 * Writes `text` where `-o FILE` says (see `writeOutput`), or to stdout for `-`, and tells, through `warn`, of the
 * temporary files a killed nodupe left there and that were removed. A failure is `nodupe: -o FILE: reason`: exit
 * 2 for a FILE that may not be written (a folder, a block device, ...), 1 for a write that failed.
 */
export function writeOutputFile(
  ctx: CliContext,
  file: string,
  text: string,
  warn: (message: string) => void,
): void {
  if (file === STDOUT) {
    ctx.stdout.write(text);
    return;
  }
  const path = resolve(ctx.cwd, file);
  let removed;
  try {
    removed = writeOutput(nodeFileOps, path, text, ctx.clock);
  } catch (error) {
    if (!(error instanceof NodupeError)) throw error;
    throw new NodupeError(error.code, `-o ${path}: ${error.message}`, { cause: error.cause });
  }
  for (const left of removed) warn(`removed ${displayPath(left)}, left by an interrupted nodupe`);
}
