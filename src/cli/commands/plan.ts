import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { count, formatBytes } from '../../core/format.js';
import { NodupeError } from '../../core/errors.js';
import { reportFromScan } from '../../dupes/report.js';
import { buildPlan } from '../../plan/build.js';
import { planToCsv } from '../../plan/plan-csv.js';
import { planToJson } from '../../plan/plan-json.js';
import { describePlanBytes, planWarnings, summarizePlan, type Plan } from '../../plan/plan.js';
import { displayPath } from '../../model/paths.js';
import { replaceWhole } from '../../fs/durable.js';
import { nodeFileOps } from '../../fs/file-ops.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, addScanOptions, type ScanCliOptions } from '../options.js';
import { addPolicyOptions, resolvePolicy, unmatchedRules, type PolicyCliOptions } from '../policy-options.js';
import { hasherNamed, ruleLookup } from '../plugin-host.js';
import { checkWritable, openSession } from '../session.js';
import { catalogReport } from './dupes.js';
import { describeUnfinished } from '../../dupes/unfinished.js';
import { scanPaths } from './scan.js';

interface PlanCliOptions extends ScanCliOptions, PolicyCliOptions {
  output?: string;
  format: 'json' | 'csv';
  explain?: boolean;
}

/** `nodupe plan [PATH...] -o plan.json`: chooses keepers by the policy and writes a plan to review. */
export function planCommand(ctx: CliContext): Command {
  const { command, rules } = addPolicyOptions(addScanOptions(addCommonOptions(new Command('plan'))), ctx.cwd);
  return command
    .description(
      'choose keepers by rules and write a plan that `nodupe apply` carries out (scans PATHs first when given)',
    )
    .argument('[path...]', 'files or folders to scan first')
    .option('-o, --output <file>', 'write the plan here (default: stdout)')
    .addOption(
      new Option('--format <format>', 'json (the plan) or csv (an export for spreadsheets)')
        .choices(['json', 'csv'])
        .default('json'),
    )
    .option('--explain', 'say, per group, why each keeper won (on stderr)')
    .action(async (paths: string[], options: PlanCliOptions) => {
      let policy: ReturnType<typeof resolvePolicy> | undefined;
      const session = await openSession(
        options,
        ctx,
        (plugins, config) => {
          hasherNamed(plugins, options.hash);
          policy = resolvePolicy(options, rules, config, ruleLookup(plugins));
          if (options.output !== undefined) checkWritable(resolve(ctx.cwd, options.output), '-o');
        },
        paths.length === 0 ? 'read' : 'scan',
      );
      let plan: Plan;
      try {
        const known = ruleLookup(session.plugins);
        const { policy: keepers, action, to } = policy!;
        const report =
          paths.length > 0
            ? reportFromScan(await scanPaths(paths, options, session, ctx))
            : catalogReport(session, options);
        for (const u of report.unfinished ?? []) session.warn(describeUnfinished(u));
        plan = buildPlan(
          report.groups,
          keepers,
          { op: action, ...(to === undefined ? {} : { to }) },
          {
            id: randomUUID(),
            createdAt: new Date(ctx.clock.wallNow()).toISOString(),
            catalog: { id: session.catalog.id, location: session.catalog.location },
            algorithm: report.algorithm,
          },
          known,
        );
        for (const rule of unmatchedRules(keepers.rules, report.groups)) {
          session.warn(`${rule}: the glob matched no file of any group, so the rule decided nothing`);
        }
        if (policy!.from !== undefined) session.warn(`policy from ${policy!.from}`);
      } finally {
        await session.close();
      }
      const text = options.format === 'csv' ? planToCsv(plan) : planToJson(plan);
      if (options.output === undefined) ctx.stdout.write(text);
      else {
        const left = writeAtomically(resolve(ctx.cwd, options.output), text);
        for (const path of left) session.warn(`removed ${path}, left by an interrupted nodupe`);
      }
      if (options.explain) explain(plan, ctx);
      const s = summarizePlan(plan);
      if (!options.quiet) {
        ctx.stderr.write(
          `plan ${plan.id}: ${count(s.groups, 'group')}, ${count(s.actions, 'file')} to ${plan.action}, ` +
            `${describePlanBytes(plan.action, s.bytes)}${options.output === undefined ? '' : ` → ${options.output}`}\n`,
        );
        for (const warning of planWarnings(plan)) ctx.stderr.write(`nodupe: ${warning}\n`);
      }
    });
}

/**
 * Writes the plan whole or not at all (see replaceWhole); a failure leaves no temporary file behind. Returns
 * the temporary files of this plan that a killed nodupe left, now removed.
 */
function writeAtomically(file: string, text: string): string[] {
  try {
    return replaceWhole(nodeFileOps, file, text);
  } catch (error) {
    throw new NodupeError('BAD_INPUT', `cannot write the plan to ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function explain(plan: Plan, ctx: CliContext): void {
  plan.groups.forEach((g, i) => {
    ctx.stderr.write(
      `group ${i + 1} (${formatBytes(g.size)}, ${count(g.keepers.length + g.actions.length, 'path')}):\n`,
    );
    for (const k of g.keepers) ctx.stderr.write(`  keep ${displayPath(k.path)}: ${k.reason}\n`);
    for (const a of g.actions) {
      const shares =
        a.op === 'hardlink' || a.op === 'symlink' ? ' (will share every future edit with its keeper)' : '';
      ctx.stderr.write(`  ${a.op} ${displayPath(a.path)}${shares}\n`);
    }
  });
}
