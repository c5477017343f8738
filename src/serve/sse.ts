import type { Clock, Timer } from '../core/clock.js';
import type { EventLog } from './events.js';
import type { ServerEvent } from './protocol.js';

/** A comment line every this often keeps proxies and browsers from dropping a quiet stream. */
export const HEARTBEAT_MS = 15_000;

/** A client this many events behind is dropped; its browser reconnects and resumes from its last id. */
const MAX_BEHIND = 1000;

const encoder = new TextEncoder();

/** One event as server-sent events write it: its id, its type as the event name, its JSON. */
export const sseFrame = (event: ServerEvent): string =>
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * The `GET /events` streams: each replays the kept events after the id the client last saw, then follows the log,
 * with a heartbeat comment on the Clock while it is open. A stream that is cancelled (the client went away) or
 * closed by `closeAll` (the server stops) unsubscribes and cancels its timer.
 */
export class EventStreams {
  readonly #log: EventLog;
  readonly #clock: Clock;
  readonly #heartbeatMs: number;
  readonly #open = new Set<() => void>();

  constructor(log: EventLog, clock: Clock, heartbeatMs = HEARTBEAT_MS) {
    this.#log = log;
    this.#clock = clock;
    this.#heartbeatMs = heartbeatMs;
  }

  /** Streams open now. */
  get size(): number {
    return this.#open.size;
  }

  /** A stream of the events after `afterId` (undefined: only the events from now on). */
  open(afterId: number | undefined): ReadableStream<Uint8Array> {
    let unsubscribe: (() => void) | undefined;
    let timer: Timer | undefined;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      timer?.cancel();
      this.#open.delete(finish);
    };
    let finish = (): void => end();
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const send = (text: string): void => {
            if (ended) return;
            controller.enqueue(encoder.encode(text));
            if ((controller.desiredSize ?? 0) < -MAX_BEHIND) {
              end();
              controller.close();
            }
          };
          const beat = (): void => {
            send(': heartbeat\n\n');
            if (!ended) timer = this.#clock.setTimer(beat, this.#heartbeatMs);
          };
          finish = () => {
            if (ended) return;
            end();
            controller.close();
          };
          this.#open.add(finish);
          // A first line, so that the browser sees the stream open before the first event.
          send(': nodupe events\nretry: 2000\n\n');
          unsubscribe = this.#log.subscribe(afterId, (event) => send(sseFrame(event)));
          timer = this.#clock.setTimer(beat, this.#heartbeatMs);
        },
        cancel: () => end(),
      },
      { highWaterMark: 0 },
    );
  }

  /** Ends every stream (the server stops). */
  closeAll(): void {
    for (const finish of [...this.#open]) finish();
  }
}
