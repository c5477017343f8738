import { Command, InvalidArgumentError } from 'commander';
import {
  ACTION_OPS,
  anythingToUndo,
  byteRateLimiter,
  count,
  describeSpace,
  isNearDuplicateRun,
  displayPath,
  formatBytes,
  formatCount,
  NodupeError,
  purgeQuarantine,
  restoreCommand,
  runSpace,
  runToUndo,
  undoRun,
  upTo,
  type Journal,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, parseCount, parseRate, type CommonOptions } from '../options.js';
import { openSession } from '../session.js';

/** `nodupe undo [RUN]`: reverses an apply run (default: the last one not undone). */
export function undoCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('undo'))
    .description(
      'reverse an apply run: quarantine, move, hardlink, symlink and reflink (default: the last run)',
    )
    .argument('[run]', 'the run to reverse (`nodupe runs` lists them)', parseCount(1))
    .action(async (runId: number | undefined, options: CommonOptions) => {
      const session = await openSession(options, ctx, undefined, 'change');
      try {
        if (runId === undefined && !anythingToUndo(session.catalog)) {
          ctx.stdout.write('nothing left to undo (`nodupe runs` lists the runs)\n');
          warnUnsealed(session.catalog.journal(), ctx);
          return;
        }
        const run = runToUndo(session.catalog, runId);
        const report = undoRun(run, {
          catalog: session.catalog,
          clock: ctx.clock,
          signal: ctx.signal,
          onStep: (entry, outcome, reason) => {
            if (outcome === 'problem')
              ctx.stdout.write(`not undone ${displayPath(entry.path)}: ${reason ?? ''}\n`);
            else if (options.verbose && outcome === 'undone')
              ctx.stdout.write(`undone ${entry.op} ${displayPath(entry.path)}\n`);
          },
        });
        ctx.stdout.write(
          run.state === 'undone'
            ? `run ${run.id} is already undone\n`
            : `run ${run.id}: ${formatCount(report.undone)} undone, ${formatCount(report.already)} already in place, ` +
                `${formatCount(report.problems.length)} not undone\n`,
        );
        if (report.state === 'partly-undone') {
          const lost = [
            ...(report.deleted > 0 ? [count(report.deleted, 'deleted file')] : []),
            ...(report.purged > 0 ? [count(report.purged, 'purged copy', 'purged copies')] : []),
            ...(report.gone > 0 ? [count(report.gone, 'copy found gone', 'copies found gone')] : []),
          ].join(' and ');
          throw new NodupeError(
            'FAILED',
            `run ${run.id} is undone as far as it can be ("partly-undone"): ${lost} cannot be brought back by undo` +
              (report.deleted > 0 && report.snapshot !== undefined
                ? `; snapshot ${report.snapshot.id} holds the deleted files (\`${restoreCommand(report.snapshot)}\`)`
                : ''),
          );
        }
        if (!report.complete) {
          throw new NodupeError('FAILED', `run ${run.id} is not fully undone; the run stays "undoing"`, {
            hint: `put right what is said above and undo again: nodupe undo ${run.id}`,
          });
        }
      } finally {
        await session.close();
      }
    });
}

/** `nodupe runs`: the apply runs the journal knows. */
export function runsCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('runs'))
    .description(
      'list apply runs: action, state, entries done and skipped, space freed (or moved into quarantine)',
    )
    .action(async (options: CommonOptions) => {
      const session = await openSession(options, ctx, undefined, 'read');
      try {
        const journal = session.catalog.journal();
        const runs = journal.runs();
        warnUnsealed(journal, ctx);
        if (runs.length === 0) ctx.stdout.write('no runs yet\n');
        else ctx.stdout.write('RUN\tSTARTED\tACTION\tSTATE\tENTRIES\tSPACE\tPLAN\n');
        for (const r of runs) {
          const e = r.entries;
          const ops = ACTION_OPS.filter((op) => r.tallies.some((t) => t.op === op));
          ctx.stdout.write(
            `${r.id}\t${new Date(r.startedAt).toISOString()}\t${ops.join('+') || '-'}\t${r.state}\t` +
              `${formatCount(e.done)} done, ${formatCount(e.skipped)} skipped, ${formatCount(e.undone)} undone` +
              `${e.intent > 0 ? `, ${formatCount(e.intent)} unsettled` : ''}${e.purged > 0 ? `, ${formatCount(e.purged)} purged` : ''}` +
              `\t${describeSpace({ ...runSpace(r.tallies), neverPurged: isNearDuplicateRun(journal.planText(r.id)) }, 'done')}` +
              `\t${r.planId}\n`,
          );
        }
      } finally {
        await session.close();
      }
    });
}

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "30d", "12h", "90m", "2w", "0": a span of time in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(text);
  if (!match || (match[2] === '' && Number(match[1]) !== 0)) {
    throw new InvalidArgumentError(`expected a duration such as 30d, 12h or 90m, received "${text}"`);
  }
  return Number(match[1]) * (DURATION_UNITS[match[2]!] ?? 0);
}

/** `nodupe quarantine purge --older-than 30d`. */
export function quarantineCommand(ctx: CliContext): Command {
  const quarantine = new Command('quarantine').description('manage quarantined files');
  quarantine.addCommand(
    addCommonOptions(new Command('purge'))
      .description(
        'delete quarantined files of runs finished longer ago than --older-than (frees their space)',
      )
      .requiredOption('--older-than <duration>', 'such as 30d, 12h, 0 (everything)', parseDuration)
      .option(
        '-n, --dry-run',
        'say what would be freed (each copy still compared with its keeper); delete nothing',
      )
      .option('--max-read-rate <rate>', 'throttle the compares with the keepers, such as 50MiB/s', parseRate)
      .option('--any-owner', 'let a keeper of another user stand in for a quarantined copy')
      .action(
        async (
          options: CommonOptions & {
            olderThan: number;
            dryRun?: boolean;
            maxReadRate?: number;
            anyOwner?: boolean;
          },
        ) => {
          const session = await openSession(options, ctx, undefined, options.dryRun ? 'rehearse' : 'change');
          try {
            warnUnsealed(session.catalog.journal(), ctx);
            const report = await purgeQuarantine(session.catalog, {
              olderThanMs: options.olderThan,
              clock: ctx.clock,
              dryRun: options.dryRun ?? false,
              anyOwner: options.anyOwner ?? false,
              signal: ctx.signal,
              ...(options.maxReadRate === undefined
                ? {}
                : { limiter: byteRateLimiter(options.maxReadRate, ctx.clock) }),
            });
            for (const p of report.problems)
              ctx.stdout.write(`not purged ${displayPath(p.path)}: ${p.reason}\n`);
            ctx.stdout.write(
              `${options.dryRun ? 'would purge' : 'purged'} ${count(report.files, 'file')} (${formatBytes(report.bytes)}) ` +
                `from ${count(report.runs.length, 'run')}: ` +
                `${upTo(report.freed)} ${options.dryRun ? 'would be freed' : 'freed'}\n`,
            );
            if (report.problems.length > 0)
              throw new NodupeError('FAILED', 'some quarantined files could not be purged');
          } finally {
            await session.close();
          }
        },
      ),
  );
  return quarantine;
}

/**
 * Says, on stderr, which runs of this machine a shared catalog holds that are not as this machine wrote them
 * (left out of the lists, refused by undo, resume and purge), so that a changed journal is never silent.
 */
function warnUnsealed(journal: Journal, ctx: CliContext): void {
  const ids = journal.unsealedRuns();
  if (ids.length === 0) return;
  ctx.stderr.write(
    `nodupe: ${count(ids.length, 'run')} of this machine in the shared catalog (${ids.slice(0, 10).join(', ')}` +
      `${ids.length > 10 ? ', …' : ''}) ${ids.length === 1 ? 'is' : 'are'} not as this machine wrote ${ids.length === 1 ? 'it' : 'them'} ` +
      "(changed by someone else, or this machine's journal key was lost): left out; `nodupe undo N` says why\n",
  );
}
