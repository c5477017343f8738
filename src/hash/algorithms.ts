/** The content hashes nodupe can group by. The name is stored with every hash in the catalog. */
export const HASH_ALGORITHMS = ['xxh3', 'xxh128', 'sha256', 'blake3'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

export const HASH_DESCRIPTIONS: Record<HashAlgorithm, string> = {
  xxh3: 'XXH3 64-bit: the fastest; the default for grouping (every destructive step compares bytes)',
  xxh128: 'XXH3 128-bit: fast, non-cryptographic, with 128 bits of identity',
  sha256: 'SHA-256: cryptographic',
  blake3: 'BLAKE3: cryptographic',
};

export function isHashAlgorithm(name: string): name is HashAlgorithm {
  return (HASH_ALGORITHMS as readonly string[]).includes(name);
}
