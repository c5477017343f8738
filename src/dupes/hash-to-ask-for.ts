import type { HashAlgorithm } from '../hash/algorithms.js';

/**
 * The hash algorithm to ask the catalog's groups by, given the algorithms it holds hashes by
 * (`CatalogStore.hashAlgorithms()`) and the one `wanted` (named by the user, or the default): `wanted` when the
 * catalog holds hashes by it, or none at all; else the first it holds. A catalog scanned with `--hash sha256`
 * has no xxh3 groups, and an empty answer must not look like "no duplicates": the command line says which to
 * pass, the server asks for it.
 *
 * @example
 * hashToAskFor(['sha256'], 'xxh3'); // 'sha256'
 * hashToAskFor(['xxh3', 'sha256'], 'xxh3'); // 'xxh3'
 */
export function hashToAskFor(held: readonly HashAlgorithm[], wanted: HashAlgorithm): HashAlgorithm {
  return held.length === 0 || held.includes(wanted) ? wanted : held[0]!;
}
