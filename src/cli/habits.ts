import { Command, Option } from 'commander';
import {
  fdupesStyle,
  fdupesSummaryFormat,
  formatNamed,
  NodupeError,
  shellWord,
  textStyle,
  type DupesFormat,
  type PluginHost,
} from '../index.js';

/** The heading of the options that people coming from fdupes, jdupes and fclones reach for. */
export const HABITS = 'Options for fdupes and jdupes users:';

/** The output flags of fdupes and jdupes that `nodupe dupes` takes, and the ones that would change files. */
export interface HabitOptions {
  format?: string;
  null?: boolean;
  sameLine?: boolean;
  size?: boolean;
  omitFirst?: boolean;
  summarize?: boolean;
  delete?: boolean;
  noprompt?: boolean;
  immediate?: boolean;
  linkHard?: boolean;
  linkSoft?: boolean;
  dedupe?: boolean;
}

/**
 * Flags of fdupes and jdupes that change files while they list them. nodupe changes files only through a plan
 * the user can read first, so each is refused with the commands that do the same, safely.
 */
const CHANGING: readonly { flags: string; key: keyof HabitOptions; action: string | undefined }[] = [
  { flags: '-d, --delete', key: 'delete', action: undefined },
  { flags: '-N, --noprompt', key: 'noprompt', action: undefined },
  { flags: '-I, --immediate', key: 'immediate', action: undefined },
  { flags: '-L, --link-hard', key: 'linkHard', action: 'hardlink' },
  { flags: '-l, --link-soft', key: 'linkSoft', action: 'symlink' },
  { flags: '-B, --dedupe', key: 'dedupe', action: 'reflink' },
];

/** The output flags, in the order they are named in messages. */
const OUTPUT: readonly { flag: string; key: keyof HabitOptions }[] = [
  { flag: '-0', key: 'null' },
  { flag: '-1', key: 'sameLine' },
  { flag: '-S', key: 'size' },
  { flag: '-f', key: 'omitFirst' },
  { flag: '-m', key: 'summarize' },
];

/** Adds the flags of fdupes and jdupes to `nodupe dupes`: the safe ones work, the others are refused. */
export function addHabitOptions(command: Command): Command {
  const habit = (flags: string, description: string) => new Option(flags, description).helpGroup(HABITS);
  command
    .addOption(habit('-0, --null', 'fdupes format, each path ending with a NUL, each group with one more'))
    .addOption(habit('-1, --same-line', 'fdupes format, each group on one line (spaces escaped)'))
    .addOption(habit('-S, --size', 'say "N bytes each:" before each group (text and fdupes formats)'))
    .addOption(habit('-f, --omit-first', 'leave out the first file of each group (text and fdupes formats)'))
    .addOption(habit('-m, --summarize', 'print only "N duplicate files (in M sets), occupying X bytes"'))
    .addOption(habit('-A, --nohidden', 'the same as --no-hidden').implies({ hidden: false }))
    .addOption(habit('-z, --zero-match', 'the same as --include-empty').implies({ includeEmpty: true }))
    .addOption(habit('-n, --noempty', 'accepted: empty files are left out unless --include-empty'));
  for (const { flags } of CHANGING) command.addOption(new Option(flags).hideHelp());
  return command.hook('preAction', (_command, action) => {
    refuseChanges(action.processedArgs[0] as string[], action.opts<HabitOptions>());
  });
}

/** Refuses a flag that would change files (fdupes -d, jdupes -L, ...), naming the commands that do it safely. */
function refuseChanges(paths: readonly string[], options: HabitOptions): void {
  const given = CHANGING.find((c) => options[c.key] === true);
  if (!given) return;
  const flag = given.flags.replace(', ', '/');
  const also = given.key === 'linkHard' ? " (fdupes' -L, its --maxsize, is --max-size here)" : '';
  throw new NodupeError(
    'USAGE',
    `${flag}${also}: nodupe does not change files while it lists them; it changes them only through a plan ` +
      `you can read first:\n${cleanupCommands(paths, given.action)}`,
  );
}

/** `nodupe plan PATHS [--action A] -o plan.json && nodupe apply plan.json`, and what it does. */
export function cleanupCommands(paths: readonly string[], action: string | undefined): string {
  const where = paths.length > 0 ? paths.map(shellWord).join(' ') : 'PATH...';
  const plan = `  nodupe plan ${where}${action === undefined ? '' : ` --action ${action}`} -o plan.json`;
  const steps = `${plan}   # choose keepers; read plan.json\n  nodupe apply plan.json`;
  return action === undefined
    ? `${steps}\nThat quarantines the copies (\`nodupe undo\` puts them back); --action delete deletes them for good.`
    : steps;
}

/**
 * The format `dupes` prints in: `--format` (default text, or fdupes when `-0` or `-1` asks for its lines), set
 * up with the fdupes output flags given; `-m` prints only the summary. A flag the format cannot honour is a
 * USAGE error.
 */
export function dupesFormat(plugins: PluginHost, options: HabitOptions): DupesFormat {
  const name = options.format ?? (options.null || options.sameLine ? 'fdupes' : 'text');
  const named = formatNamed(plugins, name);
  const flags = OUTPUT.filter((o) => options[o.key] === true).map((o) => o.flag);
  if (flags.length === 0) return named;
  if (name !== 'text' && name !== 'fdupes') {
    throw new NodupeError('USAGE', `${flags.join(' ')}: for the text and fdupes formats, not ${name}`);
  }
  if (options.summarize) return fdupesSummaryFormat;
  if (options.null && options.sameLine) {
    throw new NodupeError(
      'USAGE',
      '-0 and -1 do not go together: a NUL ends each path, or a line each group',
    );
  }
  const group = { sizes: options.size ?? false, omitFirst: options.omitFirst ?? false };
  if (name === 'fdupes') {
    return fdupesStyle({ ...group, nul: options.null ?? false, sameLine: options.sameLine ?? false });
  }
  if (options.null || options.sameLine) {
    throw new NodupeError('USAGE', `${options.null ? '-0' : '-1'} is for the fdupes format, not text`);
  }
  return textStyle(group);
}

/** fclones' commands that change files, each refused with the nodupe commands that do the same. */
export function fclonesCommands(): Command[] {
  const refuse = (name: string, action: string | undefined, extra = '') =>
    new Command(name)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(() => {
        throw new NodupeError(
          'USAGE',
          `\`fclones ${name}\` reads a list of groups; nodupe changes files only through a plan you can ` +
            `read first${extra}:\n${cleanupCommands([], action)}`,
        );
      });
  return [
    refuse('remove', undefined),
    refuse('link', 'hardlink', ' (`fclones link --soft`: --action symlink)'),
    refuse('dedupe', 'reflink'),
    refuse('move', 'move --to DIR'),
  ];
}

/** What some flags of fdupes, jdupes and fclones that nodupe does not take are here. */
const ELSEWHERE: readonly [flags: readonly string[], hint: string][] = [
  [['-s', '--symlinks'], 'to follow symbolic links: --follow-symlinks'],
  [
    ['-H', '--hardlinks', '--hard-links'],
    'hard links are one file here, never duplicates of each other; the text format lists them under it with "="',
  ],
  [['-G', '--minsize', '--min'], 'the smallest size: --min-size SIZE'],
  [['--maxsize', '--max'], 'the largest size: --max-size SIZE'],
  [['-X', '--ext-filter'], 'filters: --exclude GLOB, --include GLOB, --min-size SIZE, --max-size SIZE'],
  [
    ['-o', '--order', '-O', '--param-order', '-i', '--reverse'],
    'which copy is kept is up to `nodupe plan` and its keeper rules: --keep newest, oldest, first-root, ...',
  ],
  [['-t', '--time'], "--format json gives each file's modification time (mtimeNs)"],
  [['-j', '--json'], "--format json (nodupe's own schema, nodupe.dupes/1)"],
  [['--print-null'], 'paths ending with a NUL: -0'],
  [['--sameline'], 'each group on one line: -1 (--same-line)'],
  [['--omitfirst'], 'leave out the first file of each group: -f (--omit-first)'],
  [['-M', '--print-summarize'], 'the text format ends with a summary; -m prints only the summary'],
  [['-Q', '--quick', '-T', '--partial-only'], 'nodupe always compares whole contents'],
  [['--one-fs'], 'to stay on one file system: --one-file-system'],
];

/** A hint for an option commander did not know, when another tool has it (from its "unknown option" message). */
export function elsewhereHint(message: string): string | undefined {
  const flag = /unknown option '([^']+)'/.exec(message)?.[1]?.replace(/=.*$/, '');
  if (flag === undefined) return undefined;
  return ELSEWHERE.find(([flags]) => flags.includes(flag))?.[1];
}
