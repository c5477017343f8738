import { describe, expect, it } from 'vitest';
import type { Plan } from '../plan/plan.js';
import type { GroupIndex } from './group-index.js';
import { editPlan } from './plan-edit.js';

const identity = { dev: 1n, ino: 2n, size: 10, mtimeNs: 3n, ctimeNs: 3n };

describe('editPlan', () => {
  it('refuses a plan that keeps a copy inside an archive: the page edits loose files only', () => {
    const plan: Plan = {
      id: 'p',
      createdAt: '2026-01-01T00:00:00.000Z',
      catalog: { id: 'c', location: 'c.db' },
      algorithm: 'xxh3',
      policy: { rules: [], protect: [], onlyFrom: [], keepN: 1, keeperInArchive: true },
      action: 'quarantine',
      groups: [
        {
          size: 5,
          hash: 'ab',
          keepers: [{ path: '/a/backup.zip', ...identity, member: 'x.txt', reason: 'inside an archive' }],
          actions: [
            {
              op: 'quarantine',
              path: '/a/x.txt',
              keeper: '/a/backup.zip',
              keeperMember: 'x.txt',
              expect: { ...identity, ino: 4n, size: 5, hash: 'ab' },
              reason: 'duplicate',
            },
          ],
        },
      ],
    };
    // Refused before the catalog is asked anything.
    expect(() => editPlan(plan, [], undefined as unknown as GroupIndex)).toThrow(
      /keeps copies inside archives/,
    );
  });
});
