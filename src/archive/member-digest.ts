import type { HashState } from '../hash/hashers.js';
import { BLOCK_SIZE } from '../hash/task.js';
import { detectType } from '../types/detect.js';
import type { ArchiveMember } from './listing.js';

/** Sees a member's bytes as they stream: each chunk, at its offset in the member (0 again for the next member). */
export type MemberTap = (chunk: Uint8Array, offset: number) => void;

/**
 * Hashes one member as it streams, over the ranges a scan hashes a loose file by: the full content with one
 * state as the bytes pass, and the first and last {@link BLOCK_SIZE} bytes kept aside (the last ones in a ring)
 * and hashed by the same state once the member has ended. So a member's hashes equal a loose copy's.
 */
export class MemberDigest {
  readonly #state: HashState;
  readonly #head = Buffer.allocUnsafe(BLOCK_SIZE);
  readonly #ring = Buffer.allocUnsafe(BLOCK_SIZE);
  #size = 0;

  /** `tap`: given each chunk of the member and its offset in it, as it streams (a keeper's bytes compared). */
  constructor(
    state: HashState,
    private readonly tap?: MemberTap,
  ) {
    this.#state = state;
  }

  /** Bytes seen since {@link start}. */
  get size(): number {
    return this.#size;
  }

  start(): void {
    this.#state.reset();
    this.#size = 0;
  }

  update(chunk: Uint8Array): void {
    this.tap?.(chunk, this.#size);
    this.#state.update(chunk);
    if (this.#size < BLOCK_SIZE) this.#head.set(chunk.subarray(0, BLOCK_SIZE - this.#size), this.#size);
    // The ring holds byte `k` of the member at `k % BLOCK_SIZE`: only a chunk's last block can matter.
    const from = Math.max(0, chunk.length - BLOCK_SIZE);
    for (let i = from; i < chunk.length;) {
      const at = (this.#size + i) % BLOCK_SIZE;
      const n = Math.min(chunk.length - i, BLOCK_SIZE - at);
      this.#ring.set(chunk.subarray(i, i + n), at);
      i += n;
    }
    this.#size += chunk.length;
  }

  /** The member's hashes and type; the state is free for the next member. */
  finish(): Pick<ArchiveMember, 'hashes' | 'type' | 'size'> {
    const full = this.#state.digest();
    const headLength = Math.min(this.#size, BLOCK_SIZE);
    const head = this.#head.subarray(0, headLength);
    this.#state.reset();
    this.#state.update(head);
    const headHash = this.#state.digest();
    this.#state.reset();
    this.#state.update(this.#tail());
    const tail = this.#state.digest();
    return { size: this.#size, hashes: { head: headHash, tail, full }, type: detectType(head) };
  }

  /** The last block of the member, in order. */
  #tail(): Buffer {
    if (this.#size <= BLOCK_SIZE) return this.#head.subarray(0, this.#size);
    const at = this.#size % BLOCK_SIZE;
    return Buffer.concat([this.#ring.subarray(at), this.#ring.subarray(0, at)]);
  }
}
