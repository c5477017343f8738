import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { afterEach, beforeEach } from 'vitest';
import type { ApplyOptions } from '../../src/apply/apply.js';
import { SqliteCatalog } from '../../src/catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../../src/core/fake-clock.js';
import type { CatalogStore } from '../../src/catalog/store.js';
import { buildPlan } from '../../src/plan/build.js';
import { planToJson, readPlan } from '../../src/plan/plan-json.js';
import type { ActionOp, Plan } from '../../src/plan/plan.js';
import { DEFAULT_POLICY, type Policy } from '../../src/plan/policy.js';
import { joinName, type FsPath } from '../../src/model/paths.js';
import { scratch } from './tree.js';
import { scan } from '../../src/scan/scan.js';

/** Scans the roots and makes a plan, through the JSON round trip apply reads it by. */
export async function makePlan(
  catalog: CatalogStore,
  roots: string[],
  options: { policy?: Partial<Policy>; op?: ActionOp; to?: string } = {},
): Promise<{ plan: Plan; text: string }> {
  const report = await scan({ roots, catalog, threads: 1 });
  const built = buildPlan(
    report.groups,
    { ...DEFAULT_POLICY, ...options.policy },
    { op: options.op ?? 'quarantine', ...(options.to === undefined ? {} : { to: options.to }) },
    {
      id: `plan-${Math.random().toString(16).slice(2)}`,
      createdAt: new Date().toISOString(),
      catalog: { id: catalog.id, location: catalog.location },
      algorithm: report.algorithm,
    },
  );
  const text = planToJson(built);
  return { plan: readPlan(text, 'plan.json'), text };
}

/**
 * Every entry below `root` (names as bytes), with its kind and, for files, a digest of its bytes, the mode and
 * the mtime to the millisecond (Node sets file times as a double of seconds: sub-microsecond digits are lost).
 */
export function treeState(root: FsPath): Map<string, string> {
  const state = new Map<string, string>();
  const walk = (dir: FsPath, rel: string) => {
    const entries = readdirSync(dir, {
      withFileTypes: true,
      encoding: 'buffer',
    }) as unknown as Dirent<Buffer>[];
    for (const e of entries) {
      const full = joinName(dir, e.name);
      const name = `${rel}/${e.name.toString('latin1')}`;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        state.set(name, 'dir');
        walk(full, name);
      } else if (st.isSymbolicLink()) state.set(name, `symlink → ${readlinkSync(full)}`);
      else
        state.set(
          name,
          `file ${digest(readFileSync(full))} mode ${st.mode.toString(8)} mtime ${Math.round(st.mtimeMs)}`,
        );
    }
  };
  walk(root, '');
  return state;
}

export function digest(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The set of contents (digests) found in regular files below the folders. */
export function contentsUnder(...roots: FsPath[]): Set<string> {
  const found = new Set<string>();
  for (const root of roots) {
    try {
      lstatSync(root);
    } catch {
      continue;
    }
    for (const [, v] of treeState(root)) if (v.startsWith('file ')) found.add(v.split(' ')[1]!);
  }
  return found;
}

/** A scratch folder and a catalog under its data/ folder, fresh for each test of the file that makes one. */
export interface ApplyWorkspace {
  readonly dir: ReturnType<typeof scratch>;
  readonly catalog: SqliteCatalog;
  readonly clock: FakeClock;
  /** Apply options on this workspace, with `extra` on top. */
  options: (extra?: Partial<ApplyOptions>) => ApplyOptions;
  /** A fresh folder and catalog, within one test. */
  reset(): void;
}

/** `base()`: the folder scratch folders are made in, when not the system's temporary folder. */
export function applyWorkspace(options: { base?: () => string | undefined } = {}): ApplyWorkspace {
  let dir: ReturnType<typeof scratch> | undefined;
  let catalog: SqliteCatalog | undefined;
  const clock = new FakeClock();
  const open = () => {
    dir = scratch(options.base?.());
    catalog = SqliteCatalog.open(dir.path('data/catalog.db'));
  };
  const close = () => {
    catalog?.close();
    dir?.remove();
  };
  beforeEach(open);
  afterEach(close);
  return {
    get dir() {
      return dir!;
    },
    get catalog() {
      return catalog!;
    },
    clock,
    options: (extra = {}) => ({ catalog: catalog!, clock, dataDir: dir!.path('data'), ...extra }),
    reset: () => {
      close();
      open();
    },
  };
}

/** Throws right after the n-th action is carried out, before its batch is settled: a crash, in process. */
export function crashAfter(n: number): Partial<ApplyOptions> {
  let seen = 0;
  return {
    onStep: () => {
      if (++seen === n) throw new Error('simulated crash');
    },
  };
}
