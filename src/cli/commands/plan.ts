import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import {
  buildPlan,
  count,
  describePlanBytes,
  describeUnfinished,
  displayPath,
  formatBytes,
  hasherNamed,
  isMemberKeeperOp,
  MEMBER_KEEPER_REASON,
  NodupeError,
  printableName,
  withArchiveMembers,
  planToCsv,
  planToJson,
  planWarnings,
  reportFromScan,
  reportOfTypes,
  ruleLookup,
  summarizePlan,
  unmatchedRules,
  unmatchedRuleWarning,
  type Plan,
  type OwnPlaces,
} from '../../index.js';
import type { CliContext } from '../context.js';
import {
  addCommonOptions,
  addScanOptions,
  addTypeOption,
  type ScanCliOptions,
  type TypeCliOptions,
} from '../options.js';
import { addPolicyOptions, resolvePolicy, type PolicyCliOptions } from '../policy-options.js';
import { catalogLocation, openSession } from '../session.js';
import { checkOutputFile, isStdout, ownPlaces, STDOUT, writeOutputFile } from '../output-file.js';
import { catalogReport } from './dupes.js';
import { archivesOn, scanPaths } from './scan.js';

interface PlanCliOptions extends ScanCliOptions, PolicyCliOptions, TypeCliOptions {
  output?: string;
  format: 'json' | 'csv';
  explain?: boolean;
  keeperInArchive?: boolean;
}

/** `nodupe plan [PATH...] -o plan.json`: chooses keepers by the policy and writes a plan to review. */
export function planCommand(ctx: CliContext): Command {
  const { command, rules } = addPolicyOptions(
    addTypeOption(addScanOptions(addCommonOptions(new Command('plan')))),
    ctx.cwd,
  );
  return command
    .description(
      'choose keepers by rules and write a plan that `nodupe apply` carries out (scans PATHs first when given)',
    )
    .argument('[path...]', 'files or folders to scan first')
    .option('-o, --output <file>', 'write the plan here (default, and `-`: stdout)')
    .addOption(
      new Option('--format <format>', 'json (the plan) or csv (an export for spreadsheets)')
        .choices(['json', 'csv'])
        .default('json'),
    )
    .option('--explain', 'say, per group, why each keeper won (on stderr)')
    .option(
      '--keeper-in-archive',
      'with --archives: a copy inside an archive may be the keeper, so loose copies of it may all be acted on ' +
        '(apply streams the member and compares it first; quarantine, move or delete only)',
    )
    .action(async (paths: string[], options: PlanCliOptions) => {
      let policy: ReturnType<typeof resolvePolicy> | undefined;
      const session = await openSession(
        options,
        ctx,
        (plugins, config) => {
          hasherNamed(plugins, options.hash);
          policy = resolvePolicy(options, rules, config, ruleLookup(plugins));
          if (options.keeperInArchive) {
            policy = { ...policy, policy: { ...policy.policy, keeperInArchive: true } };
            if (!isMemberKeeperOp(policy.action)) {
              throw new NodupeError(
                'USAGE',
                `--keeper-in-archive with --action ${policy.action}: ${MEMBER_KEEPER_REASON}`,
              );
            }
            if (!(options.archives ?? config.archives ?? false)) {
              throw new NodupeError(
                'USAGE',
                '--keeper-in-archive keeps copies inside archives, which nodupe reads only with --archives (or `archives = true` in the config file)',
              );
            }
          }
          if (options.output !== undefined) {
            checkOutputFile(
              ctx,
              options.output,
              ownPlaces(ctx, catalogLocation(options.catalog, config, ctx)),
            );
          }
        },
        paths.length === 0 ? 'read' : 'scan',
      );
      const own = ownPlaces(ctx, session.catalog.location, session.catalog);
      let plan: Plan;
      try {
        const known = ruleLookup(session.plugins);
        const { policy: keepers, action, to } = policy!;
        const loose =
          paths.length > 0
            ? reportFromScan(await scanPaths(paths, options, session, ctx))
            : catalogReport(session, options);
        const report = reportOfTypes(
          keepers.keeperInArchive
            ? withArchiveMembers(loose, session.catalog, options.includeEmpty ?? false)
            : loose,
          options.type ?? [],
        );
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
        for (const rule of unmatchedRules(keepers.rules, report.groups))
          session.warn(unmatchedRuleWarning(rule));
        if (archivesOn(options, session) && !keepers.keeperInArchive) {
          session.warn(
            'archive members are never acted on, and a loose file whose other copies are all inside archives is ' +
              'left alone (`nodupe dupes --archives` lists them; --keeper-in-archive lets a member be the keeper)',
          );
        }
        if (policy!.from !== undefined) session.warn(`policy from ${policy!.from}`);
      } finally {
        await session.close();
      }
      writePlan(plan, options, ctx, (message) => session.warn(message), own);
    });
}

/**
 * Writes a plan (json, or csv) where `-o` says, then, unless quiet, its summary and warnings on stderr: what
 * `plan` and `import` print.
 */
export function writePlan(
  plan: Plan,
  options: { output?: string; format?: string; quiet?: boolean; explain?: boolean },
  ctx: CliContext,
  warn: (message: string) => void,
  own: OwnPlaces,
): void {
  const text = options.format === 'csv' ? planToCsv(plan) : planToJson(plan);
  writeOutputFile(ctx, options.output ?? STDOUT, text, warn, { own });
  if (options.explain) explain(plan, ctx);
  const s = summarizePlan(plan);
  if (!options.quiet) {
    ctx.stderr.write(
      `plan ${plan.id}: ${count(s.groups, 'group')}, ${count(s.actions, 'file')} to ${plan.action}, ` +
        `${describePlanBytes(plan.action, s.bytes)}${isStdout(ctx, options.output ?? STDOUT) ? '' : ` → ${options.output}`}\n`,
    );
    for (const warning of planWarnings(plan)) ctx.stderr.write(`nodupe: ${warning}\n`);
  }
}

function explain(plan: Plan, ctx: CliContext): void {
  plan.groups.forEach((g, i) => {
    ctx.stderr.write(
      `group ${i + 1} (${formatBytes(g.size)}, ${count(g.keepers.length + g.actions.length, 'path')}):\n`,
    );
    for (const k of g.keepers) {
      const inside = k.member === undefined ? '' : `!/${printableName(k.member)}`;
      ctx.stderr.write(`  keep ${displayPath(k.path)}${inside}: ${k.reason}\n`);
    }
    for (const a of g.actions) {
      const shares =
        a.op === 'hardlink' || a.op === 'symlink' ? ' (will share every future edit with its keeper)' : '';
      ctx.stderr.write(`  ${a.op} ${displayPath(a.path)}${shares}\n`);
    }
  });
}
