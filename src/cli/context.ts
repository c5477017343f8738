import { systemClock, type Clock, type Output } from '../index.js';
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
  const stdoutOpen = whileReaderListens(process.stdout);
  whileReaderListens(process.stderr);
  return {
    stdout: {
      isTTY: process.stdout.isTTY,
      write: (chunk) => {
        if (stdoutOpen()) process.stdout.write(chunk);
      },
    },
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    clock: systemClock,
    signal,
    ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
  };
}

/**
 * `nodupe dupes | head -1`: once the reader has gone (EPIPE), what is left to write is dropped and the command
 * goes on to its end (an apply is not cut short because nobody reads its report), as quietly as `head` wants.
 * Any other write error (a full disk under `> out.txt`) is said on stderr and makes the exit code 1 (see
 * bin/nodupe.js). Returns whether the stream can still be written.
 */
function whileReaderListens(stream: NodeJS.WriteStream): () => boolean {
  let open = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    open = false;
    if (error.code === 'EPIPE') return;
    process.exitCode = 1;
    if (stream !== process.stderr)
      process.stderr.write(`nodupe: could not write the output: ${error.message}\n`);
  });
  return () => open;
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
