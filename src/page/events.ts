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

/**
 * The stream's health: `lost` while the browser tries again (the server is gone, or restarting); `back` when it
 * reconnected after that; `closed` when the server refused it (a server started again has a new token: 401).
 */
export type Connection = 'lost' | 'back' | 'closed';

/** Listens until the returned function is called; events come to `onEvent` in order. */
export function listen(
  onEvent: (event: ServerEvent) => void,
  onConnection: (connection: Connection) => void = () => {},
  url = '/events',
): () => void {
  const source = new EventSource(url, { withCredentials: true });
  let lost = false;
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      onConnection('closed');
    } else if (!lost) {
      lost = true;
      onConnection('lost');
    }
  });
  source.addEventListener('open', () => {
    if (!lost) return;
    lost = false;
    onConnection('back');
  });
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
