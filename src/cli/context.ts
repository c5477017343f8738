import { systemClock, type Clock } from '../core/clock.js';
import type { Output } from '../dupes/formats/index.js';
import type { ProgressStream } from './progress-renderer.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  stdout: Output;
  stderr: ProgressStream & Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock: Clock;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

export function processContext(signal: AbortSignal): CliContext {
  return {
    stdout: { write: (chunk) => void process.stdout.write(chunk) },
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    signal,
  };
}
