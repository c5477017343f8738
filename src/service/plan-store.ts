import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { replaceWhole } from '../fs/durable.js';
import { nodeFileOps } from '../fs/file-ops.js';
import { planToJson, readPlan } from '../plan/plan-json.js';
import type { Plan } from '../plan/plan.js';
import { notFound } from './errors.js';

/** Plan ids the service makes (UUIDs), and nothing that could name another file. */
const PLAN_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
/** Parsed plans kept in memory, the most recently used: a plan of a large catalog takes megabytes. */
export const PLANS_KEPT = 8;
/** Plan files of this catalog kept that no run names: the newest written; older ones are removed. */
export const PLAN_FILES_KEPT = 32;
/** How much of a plan file is read to find its catalog (`catalog.id` comes near the top). */
const HEAD_BYTES = 4096;

interface Entry {
  plan: Plan;
  text: string;
  /** Its file is written. */
  onFile: boolean;
}

/** What the store is told of the catalog its plans are for. */
export interface PlanOwner {
  catalogId: string;
  /** The ids of the plans a run names (any run of the journal), and those an apply is starting on. */
  inUse(): ReadonlySet<string>;
}

/**
 * The plans the service builds. A plan just built stays in memory only (the page builds one each time it opens,
 * and most are never used); the last few used are kept there. A plan's `nodupe.plan/1` file (`<id>.json` in one
 * folder, written whole or not at all: temporary file, fsync, rename, fsync the folder) is written when it is
 * edited and when an apply starts on it, so the user's edits and the plans applied outlive a restart. Apply,
 * resume and undo need no file: a run's journal holds its plan's text. After each write the oldest files of this
 * catalog that no run names are removed, past the newest `PLAN_FILES_KEPT`; another catalog's are left alone.
 */
export class PlanStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #owner: PlanOwner;
  readonly #cache = new Map<string, Entry>();

  constructor(dir: string, clock: Clock, owner: PlanOwner) {
    this.#dir = dir;
    this.#clock = clock;
    this.#owner = owner;
  }

  pathOf(id: string): string {
    return join(this.#dir, `${id}.json`);
  }

  /** Keeps a plan just built, in memory only; returns it with its text. */
  add(plan: Plan): { plan: Plan; text: string } {
    const entry = { plan, text: planToJson(plan), onFile: false };
    this.#keep(plan.id, entry);
    return entry;
  }

  /** Keeps the plan and writes its file durably (an edited plan); returns it with its text. */
  save(plan: Plan): { plan: Plan; text: string } {
    const entry = { plan, text: planToJson(plan), onFile: false };
    this.#write(entry);
    this.#keep(plan.id, entry);
    return entry;
  }

  /** As `get`, and the plan's file is written if it was not (an apply starts on it). */
  getOnFile(id: string): { plan: Plan; text: string } {
    const entry = this.#get(id);
    if (!entry.onFile) this.#write(entry);
    return entry;
  }

  #write(entry: Entry): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    replaceWhole(nodeFileOps, this.pathOf(entry.plan.id), entry.text, undefined, this.#clock);
    entry.onFile = true;
    this.#trim(entry.plan.id);
  }

  /**
   * Removes the files of this catalog's plans that no run names, past the newest `PLAN_FILES_KEPT` (by when they
   * were written), never `written`, the one just written. A file whose catalog is not found in its head is another
   * catalog's, or no plan of the service's: it stays. Housekeeping: a file that cannot be removed stays too.
   */
  #trim(written: string): void {
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      return;
    }
    const inUse = this.#owner.inUse();
    const files: { id: string; path: string; mtimeNs: bigint }[] = [];
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!PLAN_ID.test(id) || id === written || inUse.has(id)) continue;
      const path = this.pathOf(id);
      try {
        const st = statSync(path, { bigint: true });
        if (st.isFile() && catalogOf(path) === this.#owner.catalogId)
          files.push({ id, path, mtimeNs: st.mtimeNs });
      } catch {
        // Gone meanwhile.
      }
    }
    files.sort((a, b) => (a.mtimeNs === b.mtimeNs ? 0 : a.mtimeNs > b.mtimeNs ? -1 : 1));
    // The one just written counts among the newest.
    for (const file of files.slice(Math.max(0, PLAN_FILES_KEPT - 1))) {
      try {
        rmSync(file.path, { force: true });
      } catch {
        // Left for the next trim.
      }
      const cached = this.#cache.get(file.id);
      if (cached) cached.onFile = false;
    }
  }

  /** The plan and its text, or undefined when there is no such plan. A damaged file is a BAD_INPUT error. */
  find(id: string): { plan: Plan; text: string } | undefined {
    return this.#find(id);
  }

  #find(id: string): Entry | undefined {
    if (!PLAN_ID.test(id)) return undefined;
    const cached = this.#cache.get(id);
    if (cached) {
      this.#keep(id, cached);
      return cached;
    }
    let text: string;
    try {
      text = readFileSync(this.pathOf(id), 'utf8');
    } catch {
      return undefined;
    }
    const found = { plan: readPlan(text, `plan ${id}`), text, onFile: true };
    this.#keep(id, found);
    return found;
  }

  #keep(id: string, entry: Entry): void {
    this.#cache.delete(id);
    this.#cache.set(id, entry);
    if (this.#cache.size > PLANS_KEPT) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** As `find`, but a missing plan is a NOT_FOUND error. */
  get(id: string): { plan: Plan; text: string } {
    return this.#get(id);
  }

  #get(id: string): Entry {
    const found = this.#find(id);
    if (!found) throw notFound(`there is no plan ${JSON.stringify(id)}`, 'plan.build makes one');
    return found;
  }
}

/** The catalog id a plan file names near its top, or undefined when its head names none. */
function catalogOf(path: string): string | undefined {
  const head = Buffer.alloc(HEAD_BYTES);
  let length: number;
  try {
    const fd = openSync(path, 'r');
    try {
      length = readSync(fd, head, 0, HEAD_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const match = /"catalog":\s*\{\s*"id":\s*("(?:[^"\\]|\\.)*")/.exec(head.toString('utf8', 0, length));
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as string;
  } catch {
    return undefined;
  }
}
