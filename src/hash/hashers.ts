import { createHash } from 'node:crypto';
import { isBuiltinHashAlgorithm, type HashAlgorithm } from './algorithms.js';

/** A reusable hashing state: `reset()` starts a new message. */
export interface HashState {
  reset(): void;
  update(data: Uint8Array): void;
  /** Lowercase hex. */
  digest(): string;
}

/** What a hasher plugin's module exports: a factory of hashing states (see `nodupe/plugin`). */
export interface HasherModule {
  createHashState(): HashState | Promise<HashState>;
}

/**
 * Makes the hashing state of an algorithm: a built-in one, or, given `module` (a file URL), the one that module
 * makes, which is how a hasher plugin runs in the hashing workers. The packages behind the built-ins load only
 * when first asked for, so a process (or worker) pays only for the algorithm it uses.
 */
export async function createHashState(algorithm: HashAlgorithm, module?: string): Promise<HashState> {
  if (module !== undefined) {
    const loaded = (await import(module)) as Partial<HasherModule>;
    if (typeof loaded.createHashState !== 'function') {
      throw new TypeError(`the hasher module ${module} of "${algorithm}" exports no createHashState()`);
    }
    return loaded.createHashState();
  }
  if (!isBuiltinHashAlgorithm(algorithm)) throw new TypeError(`unknown hash algorithm "${algorithm}"`);
  switch (algorithm) {
    case 'xxh128': {
      const { createXXHash128 } = await import('hash-wasm');
      const h = await createXXHash128();
      h.init();
      return { reset: () => h.init(), update: (d) => h.update(d), digest: () => h.digest('hex') };
    }
    case 'blake3': {
      const { createBLAKE3 } = await import('hash-wasm');
      const h = await createBLAKE3();
      h.init();
      return { reset: () => h.init(), update: (d) => h.update(d), digest: () => h.digest('hex') };
    }
    case 'xxh3': {
      const { xxh3 } = await import('@node-rs/xxhash');
      const h = xxh3.Xxh3.withSeed();
      return {
        reset: () => h.reset(),
        update: (d) => h.update(d),
        digest: () => h.digest().toString(16).padStart(16, '0'),
      };
    }
    case 'sha256': {
      let h = createHash('sha256');
      return {
        reset: () => (h = createHash('sha256')),
        update: (d) => h.update(d),
        digest: () => h.digest('hex'),
      };
    }
  }
}
