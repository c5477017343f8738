// A plugin imports `nodupe/plugin` (or `nodupe`) wherever its file is. The threads that run plugin code resolve
// those two names to this nodupe's own modules: a plugin needs no nodupe installed beside it, and one that has
// its own copy installed still gets the API of the nodupe that runs it.
import * as nodeModule from 'node:module';

const OWN_MODULES: ReadonlyMap<string, string> = new Map([
  ['nodupe', new URL('../index.js', import.meta.url).href],
  ['nodupe/plugin', new URL('./api.js', import.meta.url).href],
]);

type NextResolve = (specifier: string, context: unknown) => unknown;

/**
 * The resolve hook. It is synchronous, so it serves both `registerHooks` and `register` (which loads this very
 * module as its hooks module, in a thread of its own).
 */
export function resolve(specifier: string, context: unknown, nextResolve: NextResolve): unknown {
  const url = OWN_MODULES.get(specifier);
  return url === undefined ? nextResolve(specifier, context) : { url, shortCircuit: true };
}

/**
 * Makes `nodupe` and `nodupe/plugin` name this nodupe's modules in the calling thread, for every import after
 * this call. Node 22.15 and later hook in-thread (`registerHooks`); Node 20 has only `register`, which Node
 * deprecates where `registerHooks` exists.
 */
export function resolveOwnApi(): void {
  const { registerHooks } = nodeModule as { registerHooks?: (hooks: { resolve: typeof resolve }) => unknown };
  if (registerHooks) registerHooks({ resolve });
  else nodeModule.register(import.meta.url);
}
