import { createRequire } from 'node:module';
import type Semver from 'semver';

// semver loads on first use (it is tens of milliseconds of startup that most commands never need).
let semverModule: typeof Semver | undefined;
const semver = (): typeof Semver =>
  (semverModule ??= createRequire(import.meta.url)('semver') as typeof Semver);
import type { PluginDefinition } from './api.js';

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const KINDS = ['hashers', 'formats', 'rules', 'detectors'] as const;

function fail(where: string, message: string): never {
  throw new TypeError(`${where}: ${message}`);
}

/**
 * Checks a plugin's manifest: name, version, API range, dependencies, contributions, hooks. A mistake is a
 * TypeError naming the plugin (when its name is readable) and the field.
 */
export function checkManifest(value: unknown): asserts value is PluginDefinition {
  if (typeof value !== 'object' || value === null) fail('plugin', 'expected an object from definePlugin()');
  const d = value as Record<string, unknown>;
  const name = typeof d.name === 'string' ? d.name : undefined;
  const where = name === undefined ? 'plugin' : `plugin "${name}"`;
  if (name === undefined || !NAME.test(name)) {
    fail(
      where,
      `name must be lowercase letters, digits, ".", "_" or "-", received ${JSON.stringify(d.name)}`,
    );
  }
  if (typeof d.version !== 'string' || semver().valid(d.version) === null) {
    fail(where, `version must be a semver version such as "1.0.0", received ${JSON.stringify(d.version)}`);
  }
  if (typeof d.api !== 'string' || semver().validRange(d.api) === null) {
    fail(where, `api must be a semver range such as "^1", received ${JSON.stringify(d.api)}`);
  }
  if (d.dependsOn !== undefined) {
    if (!Array.isArray(d.dependsOn) || !d.dependsOn.every((n) => typeof n === 'string' && NAME.test(n))) {
      fail(where, 'dependsOn must be an array of plugin names');
    }
  }
  for (const hook of ['setup', 'teardown']) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') fail(where, `${hook} must be a function`);
  }
  if (d.provides !== undefined) {
    if (typeof d.provides !== 'object' || d.provides === null) fail(where, 'provides must be an object');
    const provides = d.provides as Record<string, unknown>;
    for (const key of Object.keys(provides)) {
      if (!(KINDS as readonly string[]).includes(key)) {
        fail(where, `provides.${key} is not a kind of contribution; known: ${KINDS.join(', ')}`);
      }
      const list = provides[key];
      if (!Array.isArray(list)) fail(where, `provides.${key} must be an array`);
      list.forEach((item, i) => checkContribution(where, key, item, i));
    }
  }
}

/** Checks one contribution: its name, and the function or module its kind needs. */
export function checkContribution(where: string, kind: string, item: unknown, i = 0): void {
  const at = `${where}: ${kind}[${i}]`;
  if (typeof item !== 'object' || item === null) fail(at, 'expected an object');
  const c = item as Record<string, unknown>;
  if (typeof c.name !== 'string' || !NAME.test(c.name))
    fail(at, `name must be a plain name, received ${JSON.stringify(c.name)}`);
  const needs: Record<string, [string, string]> = {
    hashers: ['module', 'string'],
    formats: ['render', 'function'],
    rules: ['compare', 'function'],
    detectors: ['module', 'string'],
  };
  const [field, type] = needs[kind]!;
  if (typeof c[field] !== type) fail(at, `"${c.name}" needs ${field} (a ${type})`);
  if (kind === 'detectors') checkDetector(at, c);
}

/** A detector's subject, extensions and version. */
function checkDetector(at: string, c: Record<string, unknown>): void {
  const name = String(c.name);
  if (c.subject !== 'images' && c.subject !== 'docs') {
    fail(at, `"${name}" needs subject: "images" or "docs", received ${JSON.stringify(c.subject)}`);
  }
  const extensions = c.extensions;
  if (
    !Array.isArray(extensions) ||
    extensions.length === 0 ||
    extensions.some((e) => typeof e !== 'string' || !/^[a-z0-9]{1,16}$/.test(e))
  ) {
    fail(at, `"${name}" needs extensions: lowercase names without the dot, such as ["jxl"]`);
  }
  if (c.version !== undefined && !(Number.isInteger(c.version) && (c.version as number) >= 1)) {
    fail(at, `"${name}": version must be a whole number of at least 1`);
  }
}

/** Whether the host's plugin API satisfies the plugin's range. */
export function apiSatisfies(hostVersion: string, range: string): boolean {
  return semver().satisfies(hostVersion, range);
}
