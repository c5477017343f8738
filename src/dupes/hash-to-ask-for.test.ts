import { describe, expect, it } from 'vitest';
import { hashToAskFor } from './hash-to-ask-for.js';

describe('hashToAskFor', () => {
  it('keeps the wanted algorithm when the catalog holds hashes by it', () => {
    expect(hashToAskFor(['sha256', 'xxh3'], 'xxh3')).toBe('xxh3');
  });

  it('keeps the wanted algorithm for a catalog that holds no hashes yet', () => {
    expect(hashToAskFor([], 'blake3')).toBe('blake3');
  });

  it('names the first algorithm the catalog holds when it holds none by the wanted one', () => {
    expect(hashToAskFor(['sha256', 'blake3'], 'xxh3')).toBe('sha256');
  });
});
