import { describe, expect, it } from 'vitest';
import { createRpc, RpcFailure } from './rpc.js';

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('createRpc', () => {
  it('posts a JSON-RPC request and returns its result', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const call = createRpc((url, init) => {
      sent.push({ url, init });
      return Promise.resolve(json({ jsonrpc: '2.0', id: 1, result: { key: '1:ab', ignored: true } }));
    });
    await expect(call('group.ignore', { key: '1:ab', ignored: true })).resolves.toEqual({
      key: '1:ab',
      ignored: true,
    });
    expect(sent[0]!.url).toBe('/rpc');
    expect(new Headers(sent[0]!.init.headers).get('Content-Type')).toBe('application/json');
    expect(JSON.parse(sent[0]!.init.body as string)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'group.ignore',
      params: { key: '1:ab', ignored: true },
    });
  });

  it('throws the error with its hint apart from the message', async () => {
    const call = createRpc(() =>
      Promise.resolve(
        json({
          jsonrpc: '2.0',
          id: 1,
          error: {
            code: -32004,
            message: 'The plan deletes 3 files',
            data: { code: 'CONFIRM', hint: 'Confirm it' },
          },
        }),
      ),
    );
    const failure = await call('apply', { plan: 'p1' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcFailure);
    expect(failure).toMatchObject({
      message: 'The plan deletes 3 files',
      rpcCode: -32004,
      hint: 'Confirm it',
    });
  });

  it('explains a 401 and a 429 that come without a JSON-RPC body', async () => {
    const unauthorized = createRpc(() => Promise.resolve(new Response('no', { status: 401 })));
    await expect(unauthorized('stats', {})).rejects.toMatchObject({ rpcCode: 401, hint: /token/ });
    const limited = createRpc(() =>
      Promise.resolve(new Response('slow down', { status: 429, headers: { 'Retry-After': '2' } })),
    );
    await expect(limited('stats', {})).rejects.toMatchObject({
      rpcCode: 429,
      hint: 'Wait 2 s and try again.',
    });
  });
});
