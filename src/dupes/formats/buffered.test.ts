import { describe, expect, it } from 'vitest';
import { buffered } from './buffered.js';

describe('buffered output', () => {
  it('passes on what was written, in order and byte for byte, in a few large writes', () => {
    const writes: (string | Buffer)[] = [];
    const out = buffered({ write: (chunk) => void writes.push(chunk) });
    const expected: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Now and then a path that is not UTF-8, as raw bytes.
      const chunk = i % 10_000 === 0 ? Buffer.from([0x2f, 0xff, 0x0a]) : `/tree/folder-${i}/file\n`;
      out.write(chunk);
      expected.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    }
    out.flush();
    out.flush();
    const all = Buffer.concat(writes.map((w) => (typeof w === 'string' ? Buffer.from(w) : w)));
    expect(all.equals(Buffer.concat(expected))).toBe(true);
    expect(writes.length).toBeLessThan(100);
    // Chunks of text alone stay text.
    expect(writes.some((w) => typeof w === 'string')).toBe(true);
  });
});
