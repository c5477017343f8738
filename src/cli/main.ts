import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';

/** Exit codes, as the README lists them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('nodupe')
    .description('Find byte-identical files fast, and clean them up safely.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run nodupe --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs the command line; resolves to the process exit code. Usage errors are exit code 2. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.stderr(`nodupe: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}
