import { mkdirSync, readFileSync } from 'node:fs';
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

/**
 * The plans the service builds, kept as `nodupe.plan/1` files in one folder (`<id>.json`), each written whole
 * or not at all (temporary file, fsync, rename, fsync the folder): the file is what apply consumes, as the CLI's
 * `nodupe apply FILE` would. The last few plans used are kept in memory; others are read again from their file.
 */
export class PlanStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { plan: Plan; text: string }>();

  constructor(dir: string, clock: Clock) {
    this.#dir = dir;
    this.#clock = clock;
  }

  pathOf(id: string): string {
    return join(this.#dir, `${id}.json`);
  }

  /** Writes the plan durably; returns its text. */
  save(plan: Plan): { plan: Plan; text: string } {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const text = planToJson(plan);
    replaceWhole(nodeFileOps, this.pathOf(plan.id), text, undefined, this.#clock);
    const saved = { plan, text };
    this.#keep(plan.id, saved);
    return saved;
  }

  /** The plan and its text, or undefined when there is no such plan. A damaged file is a BAD_INPUT error. */
  find(id: string): { plan: Plan; text: string } | undefined {
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
    const found = { plan: readPlan(text, `plan ${id}`), text };
    this.#keep(id, found);
    return found;
  }

  #keep(id: string, entry: { plan: Plan; text: string }): void {
    this.#cache.delete(id);
    this.#cache.set(id, entry);
    if (this.#cache.size > PLANS_KEPT) this.#cache.delete(this.#cache.keys().next().value!);
  }

  /** As `find`, but a missing plan is a NOT_FOUND error. */
  get(id: string): { plan: Plan; text: string } {
    const found = this.find(id);
    if (!found) throw notFound(`there is no plan ${JSON.stringify(id)}`, 'plan.build makes one');
    return found;
  }
}
