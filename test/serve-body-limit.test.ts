// The limit on `POST /rpc` bodies through the real HTTP server (@hono/node-server): a body that states its
// length is judged by it, one sent in chunks is counted as it comes; either way nothing over the limit is run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/serve/http-app.js';
import { RPC_ERRORS } from '../src/serve/protocol.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { fakeServerBackend } from './helpers/serve.js';
import { scratch } from './helpers/tree.js';

let dir: ReturnType<typeof scratch>;
let backend: ReturnType<typeof fakeServerBackend>;
let server: RunningServer;

beforeEach(async () => {
  dir = scratch();
  dir.write('page/index.html', '<!doctype html><title>nodupe</title>');
  backend = fakeServerBackend();
  server = await startServer({
    backend,
    env: { XDG_RUNTIME_DIR: dir.root },
    pageDir: dir.path('page'),
    log: () => {},
  });
});
afterEach(async () => {
  await server.close();
  dir.remove();
});

const call = (path: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'groups', params: { path } });

/** POSTs `body` to /rpc: as one string (its length stated) or as a stream (sent in chunks, no length). */
function post(body: string, chunked: boolean): Promise<Response> {
  const bytes = new TextEncoder().encode(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 64 * 1024)
        controller.enqueue(bytes.subarray(at, at + 64 * 1024));
      controller.close();
    },
  });
  return fetch(`http://127.0.0.1:${server.port}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    ...(chunked ? { body: stream, duplex: 'half' } : { body }),
  });
}

describe('nodupe serve: the size of a request body', () => {
  for (const chunked of [false, true]) {
    const how = chunked ? 'sent in chunks' : 'of a stated length';
    it(`answers a body ${how} within the limit, and refuses one over it with 413, running nothing`, async () => {
      const small = await post(call('/photos/**'), chunked);
      expect(await small.json()).toMatchObject({ jsonrpc: '2.0', id: 1 });
      expect(backend.calls).toEqual([{ method: 'groups', params: { path: '/photos/**' } }]);

      const big = await post(call('x'.repeat(MAX_BODY_BYTES)), chunked);
      expect(big.status).toBe(413);
      expect(await big.json()).toMatchObject({ error: { code: RPC_ERRORS.invalidRequest } });
      expect(backend.calls).toHaveLength(1);
    });
  }
});
