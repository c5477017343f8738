import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { AbortError, isAbortError, NodupeError, type ErrorCode } from '../index.js';
import type { DupesCliOptions } from './commands/dupes.js';
import { processContext, type CliContext } from './context.js';
import { onOwnLines } from './progress-renderer.js';
import { SIGNAL_EXIT, STOPPED_BY, watchSignals } from './signals.js';
import type { ScanCliOptions } from './options.js';
import type { ManifestScanCliOptions } from './commands/scan-from-manifest.js';

/** Exit codes, as the README lists them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: SIGNAL_EXIT.SIGINT,
  terminated: SIGNAL_EXIT.SIGTERM,
} as const;

/**
 * The exit code of an error nodupe threw on purpose, said in one line (and its hint in another) without a stack
 * trace: bad input of every kind is 2 (nothing was touched), a command that ran and failed, or found what it
 * needed busy, is 1. The other codes (an aborted queue or pool that escaped) are bugs: the stack is printed.
 */
const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  USAGE: EXIT.usage,
  BAD_INPUT: EXIT.usage,
  NOT_FOUND: EXIT.usage,
  CONFIRM: EXIT.usage,
  FAILED: EXIT.failure,
  BUSY: EXIT.failure,
};

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
function outputTo(ctx: CliContext, elsewhereHint: (text: string) => string | undefined) {
  return {
    writeOut: (text: string) => ctx.stdout.write(text),
    writeErr: (text: string) => ctx.stderr.write(text),
    outputError: (text: string, write: (text: string) => void) => {
      // Commander's own "(Did you mean --max-size?)" already says it.
      const hint = text.includes('Did you mean') ? undefined : elsewhereHint(text);
      write(`nodupe: ${text.replace(/^error: /, '')}`);
      if (hint !== undefined) write(`nodupe: hint: ${hint}\n`);
    },
  };
}

/** Adds a command to the program; its modules load only then. */
type Define = (program: Command, ctx: CliContext) => Promise<unknown>;

const adds =
  (make: (ctx: CliContext) => Promise<Command>): Define =>
  async (program, ctx) =>
    program.addCommand(await make(ctx));

async function defineScan(program: Command, ctx: CliContext): Promise<void> {
  const [{ scanCommand }, { addCommonOptions, addScanOptions }] = await Promise.all([
    import('./commands/scan.js'),
    import('./options.js'),
  ]);
  addScanOptions(addCommonOptions(program.command('scan')))
    .description('index PATHs into the catalog (incremental: unchanged files are not read again)')
    .argument('[path...]', 'files or folders to scan')
    .option(
      '--from-manifest <file>',
      "import a manifest's files (nodupe manifest write) instead of scanning: a disk not mounted now; no file is read",
    )
    .option(
      '--label <name>',
      "with --from-manifest: the import's name (default: the manifest's folder name); an import by that name is replaced",
    )
    .option('--forget-manifest <label>', 'drop an imported manifest from the catalog')
    .action((paths: string[], options: ScanCliOptions & ManifestScanCliOptions) =>
      scanCommand(paths, options, ctx),
    );
}

async function defineDupes(program: Command, ctx: CliContext): Promise<void> {
  const [
    { dupesCommand, formatNames },
    { addCommonOptions, addScanOptions, addTypeOption },
    { addHabitOptions },
  ] = await Promise.all([import('./commands/dupes.js'), import('./options.js'), import('./habits.js')]);
  addTypeOption(
    addHabitOptions(addScanOptions(addCommonOptions(program.command('dupes', { isDefault: true })))),
  )
    .alias('group')
    .description(
      'list groups of duplicate files (scanning PATHs first when given; else from the catalog); `fclones group` is this',
    )
    .argument('[path...]', 'files or folders to scan')
    .option('--format <format>', `output format: ${formatNames().join(', ')}, or a plugin's (default: text)`)
    .option(
      '--manifests',
      'also list the copies in imported manifests (scan --from-manifest), as LABEL:/path: read-only, never in a plan',
    )
    .option(
      '--all-machines',
      'list the groups across every machine of a shared catalog, copies on this machine marked (text, json, ndjson)',
    )
    .action((paths: string[], options: DupesCliOptions) => dupesCommand(paths, options, ctx));
}

async function defineFclonesCommands(program: Command): Promise<void> {
  const { fclonesCommands } = await import('./habits.js');
  for (const command of fclonesCommands()) program.addCommand(command, { hidden: true });
}

/** A command by the names (and aliases) that choose it on a command line. */
interface CommandEntry {
  names: readonly string[];
  define: Define;
}

/** The commands, in the order help lists them. */
const COMMANDS: readonly CommandEntry[] = [
  { names: ['scan'], define: defineScan },
  { names: ['dupes', 'group'], define: defineDupes },
  { names: ['plan'], define: adds(async (ctx) => (await import('./commands/plan.js')).planCommand(ctx)) },
  { names: ['apply'], define: adds(async (ctx) => (await import('./commands/apply.js')).applyCommand(ctx)) },
  { names: ['undo'], define: adds(async (ctx) => (await import('./commands/journal.js')).undoCommand(ctx)) },
  { names: ['runs'], define: adds(async (ctx) => (await import('./commands/journal.js')).runsCommand(ctx)) },
  {
    names: ['quarantine'],
    define: adds(async (ctx) => (await import('./commands/journal.js')).quarantineCommand(ctx)),
  },
  {
    names: ['verify'],
    define: adds(async (ctx) => (await import('./commands/verify.js')).verifyCommand(ctx)),
  },
  {
    names: ['snapshot'],
    define: adds(async (ctx) => (await import('./commands/snapshot.js')).snapshotCommand(ctx)),
  },
  {
    names: ['plugins'],
    define: adds(async (ctx) => (await import('./commands/plugins.js')).pluginsCommand(ctx)),
  },
  {
    names: ['similar'],
    define: adds(async (ctx) => (await import('./commands/similar.js')).similarCommand(ctx)),
  },
  { names: ['where'], define: adds(async (ctx) => (await import('./commands/where.js')).whereCommand(ctx)) },
  { names: ['serve'], define: adds(async (ctx) => (await import('./commands/serve.js')).serveCommand(ctx)) },
  { names: ['watch'], define: adds(async (ctx) => (await import('./commands/watch.js')).watchCommand(ctx)) },
  {
    names: ['manifest'],
    define: adds(async (ctx) => (await import('./commands/manifest.js')).manifestCommand(ctx)),
  },
  {
    names: ['import'],
    define: adds(async (ctx) => (await import('./commands/import.js')).importCommand(ctx)),
  },
  { names: ['remove', 'link', 'dedupe', 'move'], define: defineFclonesCommands },
];

const commandNamed = (name: string) => COMMANDS.find((command) => command.names.includes(name));
const isVersion = (arg: string) => arg === '-V' || arg === '--version';
const isHelp = (arg: string) => arg === '-h' || arg === '--help';

/**
 * The commands a command line can reach, by commander's rules, so that only their modules load: none when it
 * asks for the version (an option of the program, wherever it stands); the command it names first; all of them
 * for the program's help; else `dupes`, the default command.
 */
function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv : argv.slice(0, end);
  if (options.some(isVersion)) return [];
  const named = commandNamed(argv[0] ?? '');
  if (named) return [named];
  if (options.some(isHelp) || argv[0] === 'help') return COMMANDS;
  return [commandNamed('dupes')!];
}

/** The program, with the commands that `argv` can reach (see `commandsFor`). */
export async function buildProgram(ctx: CliContext, argv: readonly string[]): Promise<Command> {
  const commands = commandsFor(argv);
  // The hints are about the commands' options: with no command, there are none to give.
  const { elsewhereHint } =
    commands.length === 0 ? { elsewhereHint: () => undefined } : await import('./habits.js');
  const program = new Command('nodupe')
    .description(
      'Find byte-identical files fast, and clean them up safely.\n\n`nodupe PATH...` is short for `nodupe dupes PATH...`.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run nodupe --help for usage)')
    .exitOverride()
    .configureOutput(outputTo(ctx, elsewhereHint));
  for (const command of commands) await command.define(program, ctx);

  const configure = (command: Command): void => {
    command.exitOverride().configureOutput(outputTo(ctx, elsewhereHint));
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
  // Without arguments, help: a bare `nodupe` should not quietly list the whole catalog.
  const args = argv.length === 0 ? ['--help'] : argv;
  try {
    const program = await buildProgram(context, args);
    await program.parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isAbortError(error)) {
      const signal = signals?.received ?? 'SIGINT';
      context.stderr.write(`nodupe: ${STOPPED_BY[signal]}\n`);
      return SIGNAL_EXIT[signal];
    }
    const exit = error instanceof NodupeError ? EXIT_BY_CODE[error.code] : undefined;
    if (error instanceof NodupeError && exit !== undefined) {
      context.stderr.write(`nodupe: ${error.message}\n`);
      if (error.hint !== undefined) context.stderr.write(`nodupe: hint: ${error.hint}\n`);
      return exit;
    }
    context.stderr.write(
      `nodupe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.failure;
  } finally {
    signals?.dispose();
  }
}
