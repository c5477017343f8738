import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { AbortError, isAbortError, NodupeError } from '../core/errors.js';
import { FORMATS } from '../dupes/formats/index.js';
import { dupesCommand, type DupesCliOptions } from './commands/dupes.js';
import { applyCommand } from './commands/apply.js';
import { quarantineCommand, runsCommand, undoCommand } from './commands/journal.js';
import { planCommand } from './commands/plan.js';
import { pluginsCommand } from './commands/plugins.js';
import { scanCommand } from './commands/scan.js';
import { snapshotCommand } from './commands/snapshot.js';
import { verifyCommand } from './commands/verify.js';
import { processContext, type CliContext } from './context.js';
import { addHabitOptions, elsewhereHint, fclonesCommands } from './habits.js';
import { onOwnLines } from './progress-renderer.js';
import { SIGNAL_EXIT, STOPPED_BY, watchSignals } from './signals.js';
import { addCommonOptions, addScanOptions, type ScanCliOptions } from './options.js';

/** Exit codes, as the README lists them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: SIGNAL_EXIT.SIGINT,
  terminated: SIGNAL_EXIT.SIGTERM,
} as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Where commander's own messages go. Its errors ("error: unknown option '-x'") get nodupe's one prefix, and a
 * hint when fdupes, jdupes or fclones have the option.
 */
function outputTo(ctx: CliContext) {
  return {
    writeOut: (text: string) => ctx.stdout.write(text),
    writeErr: (text: string) => ctx.stderr.write(text),
    outputError: (text: string, write: (text: string) => void) => {
      // Commander's own "(Did you mean --max-size?)" already says it.
      const hint = text.includes('Did you mean') ? undefined : elsewhereHint(text);
      write(`nodupe: ${text.replace(/^error: /, '')}`);
      if (hint !== undefined) write(`nodupe: ${hint}\n`);
    },
  };
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('nodupe')
    .description(
      'Find byte-identical files fast, and clean them up safely.\n\n`nodupe PATH...` is short for `nodupe dupes PATH...`.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run nodupe --help for usage)')
    .exitOverride()
    .configureOutput(outputTo(ctx));

  addScanOptions(addCommonOptions(program.command('scan')))
    .description('index PATHs into the catalog (incremental: unchanged files are not read again)')
    .argument('<path...>', 'files or folders to scan')
    .action((paths: string[], options: ScanCliOptions) => scanCommand(paths, options, ctx));

  addHabitOptions(addScanOptions(addCommonOptions(program.command('dupes', { isDefault: true }))))
    .alias('group')
    .description(
      'list groups of duplicate files (scanning PATHs first when given; else from the catalog); `fclones group` is this',
    )
    .argument('[path...]', 'files or folders to scan')
    .option(
      '--format <format>',
      `output format: ${Object.keys(FORMATS).join(', ')}, or a plugin's (default: text)`,
    )
    .action((paths: string[], options: DupesCliOptions) => dupesCommand(paths, options, ctx));

  program.addCommand(planCommand(ctx));
  program.addCommand(applyCommand(ctx));
  program.addCommand(undoCommand(ctx));
  program.addCommand(runsCommand(ctx));
  program.addCommand(quarantineCommand(ctx));
  program.addCommand(verifyCommand(ctx));
  program.addCommand(snapshotCommand(ctx));
  program.addCommand(pluginsCommand(ctx));
  for (const command of fclonesCommands()) program.addCommand(command, { hidden: true });

  const configure = (command: Command): void => {
    command.exitOverride().configureOutput(outputTo(ctx));
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/**
 * Runs the command line; resolves to the process exit code. Without `ctx` it is the process's own command
 * line: SIGINT and SIGTERM abort the command (see `watchSignals`).
 */
export async function main(argv: readonly string[], ctx?: CliContext): Promise<number> {
  const controller = new AbortController();
  // Messages and results never run into the progress line: "nodupe: interrupted" starts on a line of its own.
  const context = onOwnLines(ctx ?? processContext(controller.signal));
  const signals = ctx
    ? undefined
    : watchSignals((signal) => controller.abort(new AbortError(STOPPED_BY[signal])), {
        say: (message) => context.stderr.write(message),
      });
  const program = buildProgram(context);
  try {
    // Without arguments, help: a bare `nodupe` should not quietly list the whole catalog.
    await program.parseAsync(argv.length === 0 ? ['--help'] : argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isAbortError(error)) {
      const signal = signals?.received ?? 'SIGINT';
      context.stderr.write(`nodupe: ${STOPPED_BY[signal]}\n`);
      return SIGNAL_EXIT[signal];
    }
    if (error instanceof NodupeError && (error.code === 'BAD_INPUT' || error.code === 'USAGE')) {
      context.stderr.write(`nodupe: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof NodupeError && error.code === 'FAILED') {
      context.stderr.write(`nodupe: ${error.message}\n`);
      return EXIT.failure;
    }
    context.stderr.write(
      `nodupe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failure;
  } finally {
    signals?.dispose();
  }
}
