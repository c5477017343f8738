/**
 * The server's events (`GET /events`, server-sent events), read through `fetch` so the request carries the page's
 * session (EventSource cannot send an Authorization header). Like EventSource, it reconnects by itself and resumes
 * after the last event id it saw (`Last-Event-ID`).
 */
import { createParser } from 'eventsource-parser';
import type { ServerEvent } from '../serve/protocol.js';
import type { Fetch } from './session.js';

const EVENT_TYPES: ReadonlySet<string> = new Set<ServerEvent['type']>([
  'job.started',
  'job.progress',
  'job.step',
  'job.finished',
  'catalog.changed',
  'plugins.reloaded',
  'watch',
]);

/**
 * The stream's health: `lost` while the page tries again (the server is gone, or restarting); `back` when it
 * reconnected after that; `closed` when the server refused it (a server started again has a new token: 401).
 */
export type Connection = 'lost' | 'back' | 'closed';

/** How long to wait before trying again, unless the server says otherwise (`retry:`). */
export const RETRY_MS = 2000;

export interface ListenOptions {
  fetch: Fetch;
  url?: string;
  /** Waits `ms` (or until `signal` aborts); tests pass one that does not sleep. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Listens until the returned function is called; events come to `onEvent` in order. */
export function listen(
  onEvent: (event: ServerEvent) => void,
  onConnection: (connection: Connection) => void,
  options: ListenOptions,
): () => void {
  const stop = new AbortController();
  const wait = options.wait ?? sleep;
  let lastId: string | undefined;
  let retryMs = RETRY_MS;
  let lost = false;
  // A function, not the property: it changes across the awaits below.
  const stopped = (): boolean => stop.signal.aborted;

  const parser = createParser({
    onEvent: (message) => {
      if (message.id !== undefined) lastId = message.id;
      if (message.event === undefined || !EVENT_TYPES.has(message.event)) return;
      try {
        onEvent(JSON.parse(message.data) as ServerEvent);
      } catch (error) {
        console.error('nodupe: an event the page cannot read', error);
      }
    },
    onRetry: (ms) => (retryMs = ms),
  });

  /** One connection, read to its end; false when the server refused the page. */
  const follow = async (): Promise<boolean> => {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (lastId !== undefined) headers['Last-Event-ID'] = lastId;
    const response = await options.fetch(options.url ?? '/events', {
      headers,
      cache: 'no-store',
      signal: stop.signal,
    });
    if (response.status === 401) return false;
    if (!response.ok || !response.body) return true;
    if (lost) {
      lost = false;
      onConnection('back');
    }
    parser.reset();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      parser.feed(value);
    }
  };

  void (async () => {
    while (!stopped()) {
      try {
        if (!(await follow())) {
          onConnection('closed');
          return;
        }
      } catch {
        // The server went away (or the page stopped listening): tried again below.
      }
      if (stopped()) return;
      if (!lost) {
        lost = true;
        onConnection('lost');
      }
      await wait(retryMs, stop.signal);
    }
  })();
  return () => stop.abort();
}
