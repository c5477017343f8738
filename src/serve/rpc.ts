import { NodupeError } from '../core/errors.js';
import { RPC_ERRORS, type ErrorData, type MethodName } from './protocol.js';

/** What answers the methods: the Service (src/service/service.ts) in production, a fake in tests. */
export interface RpcBackend {
  call(method: MethodName, params: unknown, signal?: AbortSignal): Promise<unknown>;
}

/** A method of a transport's own (the socket's `events.subscribe`), beside the backend's. */
export type RpcMethod = (params: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

/** Every method of `Methods` (protocol.ts), checked against it at compile time: unknown names are -32601. */
const METHOD_NAMES: Record<MethodName, true> = {
  stats: true,
  groups: true,
  group: true,
  'group.ignore': true,
  scan: true,
  jobs: true,
  job: true,
  'job.cancel': true,
  'plan.build': true,
  'plan.get': true,
  'plan.edit': true,
  apply: true,
  undo: true,
  runs: true,
  verify: true,
  'plugins.list': true,
  'plugins.reload': true,
  similar: true,
  'similar.groups': true,
  'similar.detectors': true,
};

export const isMethodName = (name: string): name is MethodName => Object.hasOwn(METHOD_NAMES, name);

/** The most requests one batch may hold. */
export const MAX_BATCH = 50;

type Id = string | number | null;

interface RpcError {
  code: number;
  message: string;
  data?: ErrorData;
}

export type RpcAnswer =
  { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: RpcError };

const failure = (id: Id, error: RpcError): RpcAnswer => ({ jsonrpc: '2.0', id, error });

/** The RPC code of a NodupeError's code; anything else is an internal error. */
const CODE_OF: Partial<Record<string, number>> = {
  BAD_INPUT: RPC_ERRORS.badInput,
  FAILED: RPC_ERRORS.failed,
  BUSY: RPC_ERRORS.busy,
  NOT_FOUND: RPC_ERRORS.notFound,
  CONFIRM: RPC_ERRORS.confirm,
  USAGE: RPC_ERRORS.invalidParams,
  ABORT_ERR: RPC_ERRORS.failed,
};

/**
 * The JSON-RPC error of what a method threw: a NodupeError keeps its message, and its code and hint go in `data`;
 * anything else is a bug, logged with its stack and answered as -32603 without it.
 */
export function rpcErrorOf(error: unknown, method: string, log: (message: string) => void): RpcError {
  const code = error instanceof NodupeError ? CODE_OF[error.code] : undefined;
  if (error instanceof NodupeError && code !== undefined) {
    const hint = (error as { hint?: unknown }).hint;
    const data: ErrorData = { code: error.code, ...(typeof hint === 'string' ? { hint } : {}) };
    return { code, message: error.message, data };
  }
  log(
    `nodupe serve: internal error in ${method}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return { code: RPC_ERRORS.internal, message: 'internal error (the server logged it)' };
}

export interface DispatcherOptions {
  backend: RpcBackend;
  /** Methods of the transport's own, answered before the backend's. */
  extra?: Readonly<Record<string, RpcMethod>>;
  /** Where internal errors are logged with their stack (the server's stderr). */
  log: (message: string) => void;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isId = (value: unknown): value is Id =>
  value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/**
 * JSON-RPC 2.0 over a method table: one request or a batch (at most MAX_BATCH) in, the answers out; notifications
 * (no `id`) are run and get no answer. The same dispatcher serves `POST /rpc` and the unix socket.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Answers a request's text: the answer (one, or an array for a batch), or undefined when none is due. */
  async dispatchText(text: string, signal: AbortSignal): Promise<RpcAnswer | RpcAnswer[] | undefined> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return failure(null, { code: RPC_ERRORS.parse, message: 'parse error: the body is not JSON' });
    }
    return this.dispatch(message, signal);
  }

  /** Answers a parsed message (see `dispatchText`). */
  async dispatch(message: unknown, signal: AbortSignal): Promise<RpcAnswer | RpcAnswer[] | undefined> {
    if (!Array.isArray(message)) return this.#one(message, signal);
    if (message.length === 0) {
      return failure(null, { code: RPC_ERRORS.invalidRequest, message: 'invalid request: an empty batch' });
    }
    if (message.length > MAX_BATCH) {
      return failure(null, {
        code: RPC_ERRORS.invalidRequest,
        message: `invalid request: a batch of ${message.length} requests (at most ${MAX_BATCH})`,
      });
    }
    const answers = await Promise.all(message.map((m) => this.#one(m, signal)));
    const due = answers.filter((a) => a !== undefined);
    return due.length === 0 ? undefined : due;
  }

  async #one(request: unknown, signal: AbortSignal): Promise<RpcAnswer | undefined> {
    if (!isObject(request) || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
      const id = isObject(request) && isId(request.id) ? request.id : null;
      return failure(id, {
        code: RPC_ERRORS.invalidRequest,
        message: 'invalid request: expected {"jsonrpc": "2.0", "method": NAME, "params"?: {...}, "id"?: ID}',
      });
    }
    const notification = !('id' in request);
    if (!notification && !isId(request.id)) {
      return failure(null, {
        code: RPC_ERRORS.invalidRequest,
        message: 'invalid request: the id must be a string, a number or null',
      });
    }
    const id = notification ? null : (request.id as Id);
    const answer = await this.#run(request.method, request.params, id, signal);
    return notification ? undefined : answer;
  }

  async #run(method: string, params: unknown, id: Id, signal: AbortSignal): Promise<RpcAnswer> {
    const extra = this.#options.extra;
    const own = extra && Object.hasOwn(extra, method) ? extra[method] : undefined;
    if (!own && !isMethodName(method)) {
      return failure(id, {
        code: RPC_ERRORS.methodNotFound,
        message: `method not found: ${JSON.stringify(method)}`,
      });
    }
    if (params !== undefined && !isObject(params)) {
      return failure(id, {
        code: RPC_ERRORS.invalidParams,
        message: `invalid params for ${method}: expected an object of named params`,
      });
    }
    const named = params ?? {};
    try {
      const result = own
        ? await own(named, signal)
        : await this.#options.backend.call(method as MethodName, named, signal);
      return { jsonrpc: '2.0', id, result: result ?? null };
    } catch (error) {
      return failure(id, rpcErrorOf(error, method, this.#options.log));
    }
  }
}
