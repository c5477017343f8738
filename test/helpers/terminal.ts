import { systemClock, type Clock } from '../../src/core/clock.js';
import { main } from '../../src/cli/main.js';

/**
 * What a terminal shows once `output` is written to it: its lines, with carriage returns and line clears
 * (`ESC [2K`) applied, as a user sees them. The last line is where the cursor is ('' after a newline).
 */
export function screen(output: string): string[] {
  const lines = [''];
  let col = 0;
  for (let i = 0; i < output.length; i++) {
    const c = output[i]!;
    if (output.startsWith('\x1b[2K', i)) {
      lines[lines.length - 1] = '';
      i += 3;
    } else if (c === '\r') {
      col = 0;
    } else if (c === '\n') {
      lines.push('');
      col = 0;
    } else {
      const line = lines[lines.length - 1]!;
      lines[lines.length - 1] = line.slice(0, col).padEnd(col) + c + line.slice(col + 1);
      col++;
    }
  }
  return lines;
}

export interface TerminalRun {
  code: number;
  /** Everything written, stdout and stderr interleaved as they reached the terminal. */
  output: string;
  /** What the terminal shows at the end (see `screen`). */
  lines: string[];
}

/**
 * Runs the command line in-process with stdout and stderr on one pretend terminal, 100 columns wide (as a user
 * at a shell has them). `onWrite` sees every chunk as it is written, with the controller of the command's
 * abort signal: a test presses Ctrl-C on cue with it.
 */
export async function runOnTerminal(
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    clock?: Clock;
    onWrite?: (chunk: string, abort: AbortController) => void;
  },
): Promise<TerminalRun> {
  const controller = new AbortController();
  let output = '';
  const write = (chunk: string | Uint8Array): void => {
    const text = Buffer.from(chunk).toString();
    output += text;
    options.onWrite?.(text, controller);
  };
  const code = await main(args, {
    stdout: { isTTY: true, write },
    stderr: { isTTY: true, columns: 100, write },
    env: options.env,
    cwd: options.cwd,
    clock: options.clock ?? systemClock,
    signal: controller.signal,
  });
  return { code, output, lines: screen(output) };
}
