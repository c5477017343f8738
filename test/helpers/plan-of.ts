import { lstatSync } from 'node:fs';
import type { CatalogStore } from '../../src/catalog/store.js';
import { identityOf } from '../../src/model/identity.js';
import { planToJson, readPlan } from '../../src/plan/plan-json.js';
import type { ActionOp, Plan } from '../../src/plan/plan.js';

let plans = 0;

/**
 * A plan written by hand, without a scan: each group keeps its first path and acts on the others with `op`,
 * identities taken from the disk now. Goes through the JSON round trip apply reads plans by.
 */
export function planOf(
  catalog: CatalogStore,
  op: ActionOp,
  groups: string[][],
  options: { to?: string } = {},
): { plan: Plan; text: string } {
  const plan: Plan = {
    id: `hand-${process.pid}-${++plans}`,
    createdAt: new Date().toISOString(),
    catalog: { id: catalog.id, location: catalog.location },
    algorithm: 'sha256',
    policy: { rules: ['first-root'], protect: [], onlyFrom: [], keepN: 1 },
    action: op,
    ...(options.to === undefined ? {} : { to: options.to }),
    groups: groups.map(([keeper, ...others], g) => {
      const hash = (g + 1).toString(16).padStart(64, '0');
      const k = identityOf(lstatSync(keeper!, { bigint: true }));
      return {
        size: k.size,
        hash,
        keepers: [{ path: keeper!, ...k, reason: 'first' }],
        actions: others.map((path) => ({
          op,
          path,
          keeper: keeper!,
          expect: { ...identityOf(lstatSync(path, { bigint: true })), hash },
          reason: 'a copy',
          ...(options.to === undefined ? {} : { to: options.to }),
        })),
      };
    }),
  };
  const text = planToJson(plan);
  return { plan: readPlan(text, 'plan.json'), text };
}
