import type { Clock } from '../core/clock.js';
import type { Plan } from '../plan/plan.js';
import type { CreateSnapshotResult } from './create.js';

/**
 * Takes a snapshot, in the store at `dir`, of the files a plan deletes, before it is applied (`apply --snapshot`,
 * or the page's apply of a delete plan); undefined when the plan deletes nothing. The snapshot store's modules
 * load only then. A result with problems is an incomplete snapshot: the plan must not be applied.
 */
export async function snapshotPlanDeletes(
  plan: Plan,
  dir: string,
  options: { clock: Clock; signal?: AbortSignal },
): Promise<CreateSnapshotResult | undefined> {
  const paths = plan.groups.flatMap((g) => g.actions.filter((a) => a.op === 'delete').map((a) => a.path));
  if (paths.length === 0) return undefined;
  const { createSnapshot } = await import('./create.js');
  return createSnapshot(dir, paths, {
    clock: options.clock,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    note: `before applying plan ${plan.id}`,
  });
}
