import { createHash } from 'node:crypto';
import { xxh3 } from '@node-rs/xxhash';
import { createBLAKE3, createXXHash128 } from 'hash-wasm';

/** The content hashes nodupe can group by. The name is stored with every hash in the catalog. */
export const HASH_ALGORITHMS = ['xxh128', 'xxh3', 'sha256', 'blake3'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** A reusable hashing state: `reset()` starts a new message. */
export interface HashState {
  reset(): void;
  update(data: Uint8Array): void;
  /** Lowercase hex. */
  digest(): string;
}

export interface Hasher {
  readonly name: HashAlgorithm;
  readonly description: string;
  /** Prepares one state; a worker keeps it for all its tasks. */
  create(): Promise<HashState>;
}

const hashers: Record<HashAlgorithm, Hasher> = {
  xxh128: {
    name: 'xxh128',
    description: 'XXH3 128-bit (hash-wasm): fast, non-cryptographic; the default for grouping',
    async create() {
      const h = await createXXHash128();
      h.init();
      return { reset: () => h.init(), update: (d) => h.update(d), digest: () => h.digest('hex') };
    },
  },
  xxh3: {
    name: 'xxh3',
    description: 'XXH3 64-bit (@node-rs/xxhash): the fastest, with 64 bits of identity',
    create() {
      const h = xxh3.Xxh3.withSeed();
      return Promise.resolve({
        reset: () => h.reset(),
        update: (d) => h.update(d),
        digest: () => h.digest().toString(16).padStart(16, '0'),
      });
    },
  },
  sha256: {
    name: 'sha256',
    description: 'SHA-256 (node:crypto): cryptographic',
    create() {
      let h = createHash('sha256');
      return Promise.resolve({
        reset: () => (h = createHash('sha256')),
        update: (d) => h.update(d),
        digest: () => h.digest('hex'),
      });
    },
  },
  blake3: {
    name: 'blake3',
    description: 'BLAKE3 (hash-wasm): cryptographic',
    async create() {
      const h = await createBLAKE3();
      h.init();
      return { reset: () => h.init(), update: (d) => h.update(d), digest: () => h.digest('hex') };
    },
  },
};

export function isHashAlgorithm(name: string): name is HashAlgorithm {
  return (HASH_ALGORITHMS as readonly string[]).includes(name);
}

export function hasherFor(name: HashAlgorithm): Hasher {
  return hashers[name];
}
