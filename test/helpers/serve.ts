import { NodupeError } from '../../src/core/errors.js';
import type { EventBody, MethodName } from '../../src/serve/protocol.js';
import type { ServeBackend } from '../../src/serve/http-app.js';

/** A backend for the transport's tests: answers `stats` and `groups`, throws what `fail` says for `job`. */
export function fakeBackend() {
  const calls: { method: MethodName; params: unknown }[] = [];
  const backend: ServeBackend & { calls: typeof calls; closed: number; close(): Promise<void> } = {
    calls,
    closed: 0,
    call(method, params) {
      calls.push({ method, params });
      if (method === 'stats') return Promise.resolve({ files: 3 });
      if (method === 'groups') return Promise.resolve({ groups: [], next: null, total: 0, reclaimable: 0 });
      if (method === 'job') {
        const id = (params as { id?: unknown }).id;
        if (typeof id !== 'string') {
          return Promise.reject(new NodupeError('USAGE', 'job: id: expected a non-empty string'));
        }
        if (id === 'bug') return Promise.reject(new TypeError('x is undefined'));
        if (id === 'busy') return Promise.reject(hinted('BUSY', 'a scan is running', 'wait for it'));
        return Promise.reject(hinted('NOT_FOUND', `no job ${id}`, 'see jobs'));
      }
      if (method === 'apply') return Promise.reject(new NodupeError('CONFIRM', 'the plan deletes files'));
      return Promise.reject(new NodupeError('BAD_INPUT', `${method}: a path outside every scanned root`));
    },
    reportText: (format) =>
      format === 'json'
        ? Promise.resolve('{"groups":[]}\n')
        : Promise.reject(new NodupeError('BAD_INPUT', `unknown format "${format}"`)),
    planText: (id) => (id === 'p1' ? '{"schema":"nodupe.plan/1"}\n' : undefined),
    close() {
      this.closed++;
      return Promise.resolve();
    },
  };
  return backend;
}

function hinted(code: 'BUSY' | 'NOT_FOUND', message: string, hint: string): NodupeError {
  const error = new NodupeError(code, message);
  Object.assign(error, { hint });
  return error;
}

/** The fake backend with the events and `close` a running server needs. */
export function fakeServerBackend() {
  const listeners = new Set<(event: EventBody) => void>();
  const backend = Object.assign(fakeBackend(), {
    events: {
      on(listener: (event: EventBody) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    emit: (event: EventBody) => listeners.forEach((listener) => listener(event)),
    listening: () => listeners.size,
  });
  return backend;
}
