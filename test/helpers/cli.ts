import { FakeClock } from '../../src/core/fake-clock.js';
import { systemClock } from '../../src/core/clock.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  /** stdout as bytes (paths that are not UTF-8 are written raw) and as text. */
  bytes: Buffer;
  stdout: string;
  stderr: string;
}

/** Runs the command line in-process with captured output; the catalog goes where `env`/args say. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; fakeClock?: boolean } = {},
): Promise<CliRun> {
  const out: Buffer[] = [];
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (chunk) => void out.push(Buffer.from(chunk)) },
    stderr: { isTTY: false, write: (chunk) => void (stderr += chunk.toString()) },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    clock: options.fakeClock ? new FakeClock() : systemClock,
    signal: new AbortController().signal,
  });
  const bytes = Buffer.concat(out);
  return { code, bytes, stdout: bytes.toString(), stderr };
}

/**
 * The environment that keeps nodupe's catalog, config and state (locks, a shared catalog's journal keys) inside a
 * test's scratch folder (data/, config/, state/).
 */
export function scratchEnv(dir: { path: (...parts: string[]) => string }): NodeJS.ProcessEnv {
  return {
    XDG_DATA_HOME: dir.path('data'),
    XDG_CONFIG_HOME: dir.path('config'),
    XDG_STATE_HOME: dir.path('state'),
  };
}
