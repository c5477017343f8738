import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { listenPrivately } from './socket.js';

const dirs: ReturnType<typeof scratch>[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

describe('the socket of nodupe serve', () => {
  it('is made under a umask of 0o077, and the umask before is back once it is bound', async () => {
    const dir = scratch();
    dirs.push(dir);
    const path = dir.path('serve.sock');
    const calls: { mask: string; socketThere: boolean }[] = [];
    let umask = 0o002;
    // The process's umask, as listenPrivately sees it (a test thread cannot change the real one).
    const setUmask = (mask: number) => {
      calls.push({ mask: mask.toString(8), socketThere: existsSync(path) });
      const before = umask;
      umask = mask;
      return before;
    };
    const server = createServer();
    await listenPrivately(server, path, setUmask);
    try {
      expect(calls).toEqual([
        { mask: '77', socketThere: false },
        { mask: '2', socketThere: true },
      ]);
      expect(umask).toBe(0o002);
      expect(statSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('restores the umask when listening fails, and rejects', async () => {
    const dir = scratch();
    dirs.push(dir);
    let umask = 0o022;
    const setUmask = (mask: number) => {
      const before = umask;
      umask = mask;
      return before;
    };
    const server = createServer();
    await expect(listenPrivately(server, dir.path('no/such/folder/serve.sock'), setUmask)).rejects.toThrow(
      /^listen E[A-Z]+/,
    );
    expect(umask).toBe(0o022);
  });
});
