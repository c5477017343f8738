/** The page's JSON-RPC client: `call('groups', {...})` is typed by the protocol; a failure throws an RpcFailure. */
import type { ErrorData, MethodName, Methods } from '../serve/protocol.js';

/** A refused or failed call: the server's message and, apart, its hint (what to do about it). */
export class RpcFailure extends Error {
  readonly rpcCode: number;
  readonly data: ErrorData | undefined;

  constructor(message: string, rpcCode: number, data?: ErrorData) {
    super(message);
    this.name = 'RpcFailure';
    this.rpcCode = rpcCode;
    this.data = data;
  }

  get hint(): string | undefined {
    return this.data?.hint;
  }
}

export type Call = <M extends MethodName>(
  method: M,
  params: Methods[M]['params'],
) => Promise<Methods[M]['result']>;

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

interface RpcResponse {
  result?: unknown;
  error?: { code: number; message: string; data?: ErrorData };
}

/** HTTP answers that are not JSON-RPC (the auth and rate-limit layers), in the user's words. */
function httpFailure(response: Response): RpcFailure {
  if (response.status === 401) {
    return new RpcFailure('Not signed in (401).', 401, {
      code: 'UNAUTHORIZED',
      hint: 'Open the page `nodupe serve` printed when it started (file://…/open.html).',
    });
  }
  if (response.status === 429) {
    const after = response.headers.get('Retry-After');
    return new RpcFailure('Too many requests (429).', 429, {
      code: 'RATE_LIMITED',
      hint: `Wait${after ? ` ${after} s` : ' a moment'} and try again.`,
    });
  }
  return new RpcFailure(`The server answered ${response.status} ${response.statusText}.`, response.status);
}

export function createRpc(fetchFn: Fetch, url = '/rpc'): Call {
  let nextId = 1;
  return async (method, params) => {
    const id = nextId++;
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      });
    } catch (error) {
      throw new RpcFailure(`The server cannot be reached: ${String(error)}`, 0, {
        code: 'NETWORK',
        hint: 'Is `nodupe serve` still running?',
      });
    }
    const isJson = response.headers.get('Content-Type')?.includes('json') ?? false;
    if (!isJson) throw httpFailure(response);
    const body = (await response.json()) as RpcResponse;
    if (body.error) throw new RpcFailure(body.error.message, body.error.code, body.error.data);
    if (!response.ok) throw httpFailure(response);
    return body.result as never;
  };
}
