/** The server's events (`GET /events`, SSE): the browser reconnects by itself and resumes by the last event id. */
import type { ServerEvent } from '../serve/protocol.js';

const EVENT_TYPES: readonly ServerEvent['type'][] = [
  'job.started',
  'job.progress',
  'job.step',
  'job.finished',
  'catalog.changed',
  'plugins.reloaded',
];

/** Listens until the returned function is called; events come to `onEvent` in order. */
export function listen(onEvent: (event: ServerEvent) => void, url = '/events'): () => void {
  const source = new EventSource(url, { withCredentials: true });
  const handle = (message: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(message.data) as ServerEvent);
    } catch (error) {
      console.error('nodupe: an event the page cannot read', error);
    }
  };
  for (const type of EVENT_TYPES) source.addEventListener(type, handle);
  return () => source.close();
}
