import { ACTION_KINDS } from '../apply/actions/index.js';
import { planWarnings, summarizePlan, type Plan } from '../plan/plan.js';
import type { PlanView } from '../serve/protocol.js';

/** Plans whose build found keeper rules that decided nothing: the newest this many are remembered. */
export const RULE_WARNINGS_KEPT = 64;

/**
 * What each plan's build said of its keeper rules (a `prefer-match` or `avoid-match` whose glob matched no file
 * of any group), by plan id, for the plan's view after edits too. Only the build sees every group, and the plan
 * file does not hold them: they are remembered while the service runs, for the newest plans.
 */
export class RuleWarnings {
  readonly #byPlan = new Map<string, readonly string[]>();

  set(planId: string, warnings: readonly string[]): void {
    if (warnings.length === 0) return;
    this.#byPlan.set(planId, warnings);
    for (const oldest of this.#byPlan.keys()) {
      if (this.#byPlan.size <= RULE_WARNINGS_KEPT) break;
      this.#byPlan.delete(oldest);
    }
  }

  of(planId: string): readonly string[] {
    return this.#byPlan.get(planId) ?? [];
  }
}

/**
 * A plan as the API shows it: its summary, with what is freed at once (deletes, links) apart from what only a
 * `quarantine purge` frees (quarantine). A move frees nothing (the files keep their blocks where they go), so it
 * counts in neither. `applied`: a run of it exists. `ruleWarnings` (see `RuleWarnings`) come first among its
 * warnings, in the CLI's words.
 */
export function planView(plan: Plan, applied: boolean, ruleWarnings: readonly string[] = []): PlanView {
  const summary = summarizePlan(plan);
  let freedNow = 0;
  let freedAfterPurge = 0;
  for (const g of plan.groups) {
    const inodes = new Set<string>();
    for (const a of g.actions) {
      const inode = `${a.expect.dev}:${a.expect.ino}`;
      if (inodes.has(inode)) continue;
      inodes.add(inode);
      if (ACTION_KINDS[a.op].destroys) freedNow += a.expect.size;
      else if (a.op === 'quarantine') freedAfterPurge += a.expect.size;
    }
  }
  return {
    id: plan.id,
    createdAt: plan.createdAt,
    action: plan.action,
    ...(plan.to === undefined ? {} : { to: plan.to }),
    policy: { ...plan.policy },
    summary: { ...summary, freedNow, freedAfterPurge },
    warnings: [...ruleWarnings, ...planWarnings(plan)],
    applied,
  };
}
