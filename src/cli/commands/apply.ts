import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  applyPlan,
  byteRateLimiter,
  count,
  dataDir,
  defaultSnapshotDir,
  describeSpace,
  displayPath,
  formatBytes,
  formatCount,
  isAbortError,
  NodupeError,
  NoQuarantineError,
  readPlan,
  resumeApply,
  snapshotPlanDeletes,
  summarizePlan,
  type ApplyOptions,
  type ApplyReport,
  type Plan,
  type RunSnapshot,
  type Step,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, parseCount, parseRate, type CommonOptions } from '../options.js';
import { openSession } from '../session.js';

interface ApplyCliOptions extends CommonOptions {
  dryRun?: boolean;
  yes?: boolean;
  resume?: boolean;
  run?: number;
  stopOnError?: boolean;
  quarantine?: string;
  maxReadRate?: number;
  snapshot?: boolean;
  snapshots?: string;
  anyOwner?: boolean;
}

/** `nodupe apply plan.json`: carries out a plan, journaled, every file re-checked and compared first. */
export function applyCommand(ctx: CliContext): Command {
  return addCommonOptions(new Command('apply'))
    .description(
      'carry out a plan: journaled, each file re-checked and compared with its keeper right before acting',
    )
    .argument('[plan]', 'the plan file written by `nodupe plan`')
    .option(
      '-n, --dry-run',
      'check every action as apply would and print what would happen (exit 1 if any would be skipped); change nothing',
    )
    .option('-y, --yes', 'confirm a plan that deletes files (delete cannot be undone)')
    .option('--resume', 'finish an interrupted run (the last one, or --run N)')
    .option('--run <n>', 'with --resume: the run to finish', parseCount(1))
    .option('--stop-on-error', 'stop at the first action that cannot be carried out')
    .option('--quarantine <dir>', 'the quarantine folder (it must be on the same file system as the files)')
    .option('--snapshot', 'take a snapshot of the files a delete plan removes, first')
    .option('--snapshots <dir>', 'the snapshot folder (default: $XDG_DATA_HOME/nodupe/snapshots)')
    .option('--max-read-rate <rate>', 'throttle the byte compares, such as 50MiB/s', parseRate)
    .option(
      '--any-owner',
      'let a keeper of another user stand in for a file that is deleted or linked, and links join files of different owners or modes',
    )
    .action(async (planFile: string | undefined, options: ApplyCliOptions) => {
      if (options.resume && planFile !== undefined) {
        throw new NodupeError('USAGE', '--resume takes no plan file: the journal keeps the plan');
      }
      if (!options.resume && options.run !== undefined) {
        throw new NodupeError('USAGE', '--run is for --resume', {
          hint: `nodupe apply --resume --run ${options.run}`,
        });
      }
      if (!options.resume && planFile === undefined)
        throw new NodupeError('USAGE', 'apply needs a plan file (or --resume)');
      const planAndText = planFile === undefined ? undefined : loadPlan(resolve(ctx.cwd, planFile));
      if (planAndText) await confirmDeletes(planAndText.plan, options, ctx);
      const session = await openSession(options, ctx, undefined, options.dryRun ? 'rehearse' : 'change');
      try {
        const pluginHasher =
          planAndText && session.plugins.registry.get('hashers', planAndText.plan.algorithm)?.module;
        const applyOptions: ApplyOptions = {
          catalog: session.catalog,
          clock: ctx.clock,
          dataDir: dataDir(ctx.env),
          signal: ctx.signal,
          dryRun: options.dryRun ?? false,
          stopOnError: options.stopOnError ?? false,
          anyOwner: options.anyOwner ?? false,
          ...(options.quarantine === undefined
            ? {}
            : { quarantineDir: resolve(ctx.cwd, options.quarantine) }),
          ...(options.maxReadRate === undefined
            ? {}
            : { limiter: byteRateLimiter(options.maxReadRate, ctx.clock) }),
          ...(session.progress ? { progress: session.progress } : {}),
          // A plan of near-duplicates checks each file's own hash: by a plugin's hasher, its module.
          ...(pluginHasher === undefined ? {} : { hasherModule: pluginHasher }),
          onStep: (step) => printStep(step, options, ctx),
        };
        if (planAndText && options.snapshot && !options.dryRun) {
          const snapshot = await snapshotDeletes(planAndText.plan, options, ctx);
          if (snapshot !== undefined) applyOptions.snapshot = snapshot;
        }
        let report: ApplyReport;
        try {
          report = planAndText
            ? await applyPlan(planAndText.plan, planAndText.text, applyOptions)
            : await resumeApply(options.run, applyOptions);
        } catch (error) {
          if (error instanceof NoQuarantineError) throw new NodupeError('FAILED', error.message);
          if (isAbortError(error) && !options.dryRun) {
            ctx.stderr.write(
              'nodupe: the run was interrupted: `nodupe apply --resume` finishes it, `nodupe undo` reverses it\n',
            );
          }
          throw error;
        }
        await session.close();
        printSummary(report, ctx);
        // A dry run exits as apply would: 1 when anything would be skipped.
        if (report.skipped > 0) {
          throw new NodupeError(
            'FAILED',
            report.dryRun
              ? `${count(report.skipped, 'action', 'actions')} would be skipped (reasons above)`
              : `${count(report.skipped, 'action was', 'actions were')} skipped (reasons above)`,
          );
        }
      } finally {
        await session.close();
      }
    });
}

function loadPlan(file: string): { plan: Plan; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NodupeError('BAD_INPUT', `cannot read the plan ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { plan: readPlan(text, file), text };
}

async function confirmDeletes(plan: Plan, options: ApplyCliOptions, ctx: CliContext): Promise<void> {
  const { irreversible } = summarizePlan(plan);
  if (irreversible === 0 || options.yes || options.dryRun) return;
  const question = `this plan deletes ${count(irreversible, 'file')}, which cannot be undone. Go on? [y/N] `;
  if (!ctx.confirm) {
    throw new NodupeError(
      'CONFIRM',
      `this plan deletes ${count(irreversible, 'file')}, which cannot be undone`,
      {
        hint: 'pass --yes to confirm (or make a quarantine plan)',
      },
    );
  }
  if (!(await ctx.confirm(question)))
    throw new NodupeError('BAD_INPUT', 'not confirmed; nothing was changed');
}

/**
 * Takes a snapshot of the files the plan deletes; its id, and its folder when not the default (none when the
 * plan deletes nothing).
 */
async function snapshotDeletes(
  plan: Plan,
  options: ApplyCliOptions,
  ctx: CliContext,
): Promise<RunSnapshot | undefined> {
  const dir =
    options.snapshots === undefined ? defaultSnapshotDir(ctx.env) : resolve(ctx.cwd, options.snapshots);
  const snapshot = await snapshotPlanDeletes(plan, dir, { clock: ctx.clock, signal: ctx.signal });
  if (snapshot === undefined) return undefined;
  if (snapshot.problems.length > 0) {
    for (const p of snapshot.problems)
      ctx.stderr.write(`nodupe: snapshot: ${displayPath(p.path)}: ${p.message}\n`);
    throw new NodupeError('FAILED', 'the snapshot is incomplete; nothing was deleted');
  }
  ctx.stderr.write(
    `snapshot ${snapshot.id}: ${count(snapshot.files, 'file')} (${formatBytes(snapshot.bytes)})\n`,
  );
  return { id: snapshot.id, store: options.snapshots === undefined ? undefined : dir };
}

function printStep(step: Step, options: ApplyCliOptions, ctx: CliContext): void {
  const path = displayPath(step.path);
  if (step.outcome === 'would')
    ctx.stdout.write(`would ${step.op} ${path} (keeper ${displayPath(step.keeper)})\n`);
  else if (step.outcome === 'skipped')
    ctx.stdout.write(`${options.dryRun ? 'would skip' : 'skipped'} ${path}: ${step.reason ?? ''}\n`);
  else if (options.verbose) ctx.stdout.write(`${step.op} ${path}\n`);
}

/** "run 3: 2 done, 0 skipped; 1.2 MiB freed", or for quarantine what was moved and what a purge would free. */
function printSummary(report: ApplyReport, ctx: CliContext): void {
  const head = report.dryRun ? 'dry run' : `run ${report.runId}`;
  const would = report.dryRun ? ' would be' : '';
  ctx.stdout.write(
    `${head}: ${formatCount(report.done)}${would} done, ${formatCount(report.skipped)}${would} skipped` +
      (report.alreadySettled > 0 ? `, ${formatCount(report.alreadySettled)} settled before` : '') +
      (report.stopped ? ' (stopped early)' : '') +
      `; ${describeSpace(report.space, report.dryRun ? 'would' : 'done')}\n`,
  );
}
