import { randomUUID } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  buildPlan,
  count,
  displayPath,
  hasherNamed,
  NodupeError,
  reportFromScan,
  ruleLookup,
  unmatchedRules,
  unmatchedRuleWarning,
  type DuplicateGroup,
  type Plan,
  isPeerFormat,
  leaveOutOwn,
  PEER_FORMAT_NAMES,
  PEER_FORMATS,
  readPeerBytes,
  readPeerStream,
  readPeerOutput,
  recheck,
  regroup,
  type LeftOut,
  type PeerFormat,
  type SplitGroup,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, addReadOptions, type ScanCliOptions } from '../options.js';
import { checkOutputFile, ownPlaces } from '../output-file.js';
import { addPolicyOptions, resolvePolicy, type PolicyCliOptions } from '../policy-options.js';
import { catalogLocation, openSession } from '../session.js';
import { writePlan } from './plan.js';
import { scanPaths } from './scan.js';

type ImportCliOptions = Omit<ScanCliOptions, 'hidden'> &
  PolicyCliOptions & {
    from?: PeerFormat;
    output?: string;
    format: 'json' | 'csv';
  };

/**
 * `nodupe import FILE`: the groups another duplicate finder reported, turned into a plan as `nodupe plan` writes
 * one. Nothing the tool said is trusted: every file it named is checked on the disk now, scanned into the
 * catalog and grouped by nodupe's own hashes; a group whose files differ comes apart, files gone are said.
 */
export function importCommand(ctx: CliContext): Command {
  const { command, rules } = addPolicyOptions(
    addReadOptions(addCommonOptions(new Command('import'))),
    ctx.cwd,
  );
  return command
    .description(
      'turn the results of fdupes, jdupes, rmlint, fclones or czkawka into a plan (every file re-checked and hashed)',
    )
    .argument('<file>', "the tool's output (`-`: stdin); its format is detected")
    .addOption(
      new Option('--from <format>', 'the format, when it is not detected').argParser((v: string) => {
        if (!isPeerFormat(v)) {
          throw new InvalidArgumentError(`expected one of ${PEER_FORMATS.join(', ')}, received "${v}"`);
        }
        return v;
      }),
    )
    .option('-o, --output <file>', 'write the plan here (default, and `-`: stdout)')
    .addOption(
      new Option('--format <format>', 'json (the plan) or csv (an export for spreadsheets)')
        .choices(['json', 'csv'])
        .default('json'),
    )
    .option('--include-empty', 'keep empty files the tool reported as duplicates of each other')
    .action(async (file: string, options: ImportCliOptions) => {
      const peer = readPeerOutput(await readInput(file, ctx), options.from);
      const checked = recheck(peer);
      let policy: ReturnType<typeof resolvePolicy> | undefined;
      const session = await openSession(options, ctx, (plugins, config) => {
        hasherNamed(plugins, options.hash);
        policy = resolvePolicy(options, rules, config, ruleLookup(plugins));
        if (options.output !== undefined) {
          checkOutputFile(ctx, options.output, ownPlaces(ctx, catalogLocation(options.catalog, config, ctx)));
        }
      });
      const places = ownPlaces(ctx, session.catalog.location, session.catalog);
      const paths = checked.present.length;
      if (!options.quiet) {
        ctx.stderr.write(
          `nodupe: ${file === '-' ? 'stdin' : file}: ${PEER_FORMAT_NAMES[peer.format]}, ` +
            `${count(peer.groups.length, 'group')} naming ${count(paths + checked.leftOut.length, 'file')}\n`,
        );
      }
      let plan: Plan;
      let leftOut: LeftOut[];
      let split: SplitGroup[];
      try {
        // nodupe's own files left out (by their real paths, as the re-check gave them).
        const own = leaveOutOwn(checked.present, [...places.folders, ...places.files]);
        leftOut = [...checked.leftOut, ...own.leftOut];
        let found: DuplicateGroup[] = [];
        if (own.present.length > 0) {
          const scan = await scanPaths(
            own.present.map((f) => f.path),
            { ...options, hidden: true },
            session,
            ctx,
          );
          found = reportFromScan(scan).groups;
        }
        const regrouped = regroup(found, own.present, options.includeEmpty ?? false);
        split = regrouped.split;
        const { policy: keepers, action, to } = policy!;
        plan = buildPlan(
          regrouped.groups,
          keepers,
          { op: action, ...(to === undefined ? {} : { to }) },
          {
            id: randomUUID(),
            createdAt: new Date(ctx.clock.wallNow()).toISOString(),
            catalog: { id: session.catalog.id, location: session.catalog.location },
            algorithm: options.hash,
          },
          ruleLookup(session.plugins),
        );
        for (const rule of unmatchedRules(keepers.rules, regrouped.groups))
          session.warn(unmatchedRuleWarning(rule));
        if (policy!.from !== undefined) session.warn(`policy from ${policy!.from}`);
        session.endProgress();
        tell(leftOut, split, checked.repeated, options.verbose ?? false, (m) => session.warn(m));
        const empty = options.includeEmpty ? 0 : own.present.filter((f) => f.size === 0).length;
        if (empty > 0) session.warn(`${count(empty, 'empty file')} left out (--include-empty keeps them)`);
      } finally {
        await session.close();
      }
      writePlan(plan, options, ctx, (message) => session.warn(message), places);
    });
}

/** The file's bytes (`-`: stdin; see `readPeerBytes`); a file that cannot be read, or too large, is bad input. */
async function readInput(file: string, ctx: CliContext): Promise<Buffer> {
  try {
    // Stdin is read as a stream: a pipe or socket from the tool may be empty for a while (and non-blocking).
    if (file === '-') return await readPeerStream(process.stdin);
    const fd = openSync(resolve(ctx.cwd, file), 'r');
    try {
      return readPeerBytes(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof NodupeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (error as Error).message;
    throw new NodupeError('BAD_INPUT', `${file}: ${reason}`, { cause: error });
  }
}

/** What the import left out and what came apart, on stderr: counts, and with --verbose every path. */
function tell(
  leftOut: readonly LeftOut[],
  split: readonly SplitGroup[],
  repeated: number,
  verbose: boolean,
  warn: (message: string) => void,
): void {
  const listed = (n: number) => (verbose || n <= 10 ? n : 10);
  if (leftOut.length > 0) {
    warn(`${count(leftOut.length, 'file')} named by the tool left out:`);
    for (const f of leftOut.slice(0, listed(leftOut.length))) warn(`  ${displayPath(f.path)} ${f.detail}`);
    if (listed(leftOut.length) < leftOut.length) warn(`  … (--verbose lists all ${leftOut.length})`);
  }
  if (split.length > 0) {
    warn(
      `${count(split.length, 'group')} of the tool's did not hold byte-identical files (nodupe's hashes differ):`,
    );
    for (const s of split.slice(0, listed(split.length))) {
      const apart = s.apart > 0 ? `${count(s.apart, 'file')} like no other left out` : '';
      const parts = s.parts === 0 ? '' : `split into ${count(s.parts, 'group')}`;
      warn(
        `  the group of ${displayPath(s.first)} (${count(s.files, 'file')}): ${[parts, apart].filter(Boolean).join(', ')}`,
      );
    }
    if (listed(split.length) < split.length) warn(`  … (--verbose lists all ${split.length})`);
  }
  if (repeated > 0) warn(`${count(repeated, 'path')} named more than once, taken once`);
}
