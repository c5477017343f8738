// The other duplicate finders Debian packages (fdupes, jdupes, rmlint), run for real by the import tests. Without
// one, its tests are skipped, and say so (under CI=true that fails the run instead: .ci/run installs them).
import { spawnSync } from 'node:child_process';
import { systemProgram } from './system-programs.js';

export type PeerTool = 'fdupes' | 'jdupes' | 'rmlint';

/** Whether `tool` is installed; where not, its tests are skipped with a notice (failed under CI). */
export function peerToolAvailable(tool: PeerTool): boolean {
  return systemProgram([tool], tool, `the import tests that run ${tool}`) !== undefined;
}

/**
 * Runs a tool and returns what it wrote to stdout. Bounded in time: jdupes -j has been seen to spin on a name
 * that is not UTF-8, so the tests give it none, and a hang fails the test instead of stalling the run.
 */
export function runPeerTool(tool: PeerTool, args: readonly string[]): Buffer {
  const result = spawnSync(tool, args, { timeout: 15_000, maxBuffer: 1 << 28 });
  // fdupes and jdupes may exit 1 when they find nothing.
  if (result.error !== undefined || (result.status !== 0 && result.status !== 1)) {
    throw new Error(`${tool} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr.toString()}`);
  }
  return result.stdout;
}
