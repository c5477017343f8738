import { systemClock, type Clock } from '../core/clock.js';
import type { Output } from '../dupes/formats/index.js';
import type { ProgressStream } from './progress-renderer.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  /** `isTTY`: stdout is a terminal (the progress line is cleared before results are written there). */
  stdout: Output & { readonly isTTY?: boolean };
  stderr: ProgressStream & Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock: Clock;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Asks the user a yes/no question; absent when no one can answer (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}

export function processContext(signal: AbortSignal): CliContext {
  return {
    stdout: { isTTY: process.stdout.isTTY, write: (chunk) => void process.stdout.write(chunk) },
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    signal,
    ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
  };
}

async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
