import { ACTION_KINDS } from '../apply/actions/index.js';
import { planWarnings, summarizePlan, type Plan } from '../plan/plan.js';
import type { PlanView } from '../serve/protocol.js';

/**
 * A plan as the API shows it: its summary, with what is freed at once (deletes, links) apart from what only a
 * `quarantine purge` frees (quarantine). A move frees nothing (the files keep their blocks where they go), so it
 * counts in neither. `applied`: a run of it exists.
 */
export function planView(plan: Plan, applied: boolean): PlanView {
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
    warnings: planWarnings(plan),
    applied,
  };
}
