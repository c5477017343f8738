import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { checkGlob } from '../scan/glob.js';
import { badInput, invalidParams } from './errors.js';

/**
 * Hand checks of a method's params, in the house style: each refusal names the param, what was expected and
 * what was received, as a USAGE error (JSON-RPC's "invalid params"). `Params` reads one params object and refuses names it does not know.
 */
export class Params {
  readonly #method: string;
  readonly #values: Record<string, unknown>;

  constructor(method: string, value: unknown, known: readonly string[]) {
    this.#method = method;
    if (value === undefined) value = {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidParams(`${method}: expected params as an object, received ${describe(value)}`);
    }
    this.#values = value as Record<string, unknown>;
    for (const name of Object.keys(this.#values)) {
      if (!known.includes(name)) {
        throw invalidParams(
          `${method}: unknown param "${name}"; expected ${known.length === 0 ? 'none' : known.join(', ')}`,
        );
      }
    }
  }

  #fail(name: string, expected: string, value: unknown): never {
    throw invalidParams(`${this.#method}: ${name}: expected ${expected}, received ${describe(value)}`);
  }

  #atMost(name: string, length: number, max: number): void {
    if (length > max) {
      throw invalidParams(`${this.#method}: ${name}: expected at most ${max} items, received ${length}`);
    }
  }

  string(name: string): string {
    const value = this.#values[name];
    if (typeof value !== 'string' || value === '') this.#fail(name, 'a non-empty string', value);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.#values[name] === undefined ? undefined : this.string(name);
  }

  /** A glob; one out of bounds (too long, too many wildcards or alternatives) is BAD_INPUT. */
  optionalGlob(name: string): string | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    try {
      return checkGlob(value);
    } catch (error) {
      const { message, hint } = error as { message: string; hint?: string };
      throw badInput(`${this.#method}: ${name}: ${message}`, hint);
    }
  }

  optionalInteger(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.#fail(name, `an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}`, value);
    }
    return value;
  }

  integer(name: string, min: number): number {
    const value = this.optionalInteger(name, min);
    if (value === undefined) this.#fail(name, `an integer from ${min}`, undefined);
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.#values[name];
    if (value === undefined || typeof value === 'boolean') return value;
    return this.#fail(name, 'true or false', value);
  }

  boolean(name: string): boolean {
    const value = this.optionalBoolean(name);
    if (value === undefined) this.#fail(name, 'true or false', undefined);
    return value;
  }

  optionalChoice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.#fail(name, `one of ${choices.join(', ')}`, value);
    }
    return value as T;
  }

  /** An array of at most `max` non-empty strings. */
  optionalStrings(name: string, max: number): string[] | undefined {
    const value = this.#values[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
      this.#fail(name, 'an array of non-empty strings', value);
    }
    this.#atMost(name, value.length, max);
    return value as string[];
  }

  /** A nested object, checked by its own Params. */
  optionalObject(name: string, known: readonly string[]): Params | undefined {
    const value = this.#values[name];
    return value === undefined ? undefined : new Params(`${this.#method}: ${name}`, value, known);
  }

  /** An array of objects, each checked by `each`. */
  /** An array of at most `max` items, each checked by `each`. */
  array<T>(name: string, max: number, each: (value: unknown, where: string) => T): T[] {
    const value = this.#values[name];
    if (!Array.isArray(value)) this.#fail(name, 'an array', value);
    this.#atMost(name, value.length, max);
    return value.map((v, i) => each(v, `${this.#method}: ${name}[${i}]`));
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Folders one request may name (a scan's, a similar's). */
export const FOLDERS_MAX = 256;

/** Absolute paths as the catalog spells what lies below them (links resolved), or BAD_INPUT naming the first bad one. */
export function realFolders(method: string, paths: readonly string[]): string[] {
  return paths.map((path) => {
    if (!isAbsolute(path)) throw badInput(`${method}: ${JSON.stringify(path)}: expected an absolute path`);
    try {
      return realpathSync.native(path);
    } catch {
      throw badInput(`${method}: ${path}: no such file or directory`);
    }
  });
}
