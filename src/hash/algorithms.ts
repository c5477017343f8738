/** The content hashes built into nodupe. Plugins add more; the name is stored with every hash in the catalog. */
export const HASH_ALGORITHMS = ['xxh3', 'xxh128', 'sha256', 'blake3'] as const;
export type BuiltinHashAlgorithm = (typeof HASH_ALGORITHMS)[number];
/** A hasher's name: a built-in one, or one a plugin provides. */
export type HashAlgorithm = string;

export const HASH_DESCRIPTIONS: Record<BuiltinHashAlgorithm, string> = {
  xxh3: 'XXH3 64-bit: the fastest; the default for grouping (every destructive step compares bytes)',
  xxh128: 'XXH3 128-bit: fast, non-cryptographic, with 128 bits of identity',
  sha256: 'SHA-256: cryptographic',
  blake3: 'BLAKE3: cryptographic',
};

export function isBuiltinHashAlgorithm(name: string): name is BuiltinHashAlgorithm {
  return (HASH_ALGORITHMS as readonly string[]).includes(name);
}
