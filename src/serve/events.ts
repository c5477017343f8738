import type { Clock } from '../core/clock.js';
import type { EventBody, ServerEvent } from './protocol.js';

/** How many events are kept for clients that reconnect (`Last-Event-ID`, `events.subscribe {after}`). */
export const KEPT_EVENTS = 1000;

export type EventListener = (event: ServerEvent) => void;

/**
 * The server's events, numbered: each EventBody gets the next id (1, 2, …) and the wall-clock time it was
 * logged. The last KEPT_EVENTS are kept, so a client that reconnects gets what it missed. Nothing here runs on a
 * timer: the heartbeats belong to the streams that listen.
 */
export class EventLog {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #kept: ServerEvent[] = [];
  readonly #listeners = new Set<EventListener>();
  #lastId = 0;

  constructor(clock: Clock, capacity = KEPT_EVENTS) {
    this.#clock = clock;
    this.#capacity = capacity;
  }

  /** The id of the last event logged (0 before the first). */
  get lastId(): number {
    return this.#lastId;
  }

  /** How many listen now. */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** Numbers the event, keeps it, and tells every listener; a listener that throws does not stop the others. */
  append(body: EventBody): ServerEvent {
    const event: ServerEvent = {
      ...body,
      id: ++this.#lastId,
      at: new Date(this.#clock.wallNow()).toISOString(),
    };
    this.#kept.push(event);
    if (this.#kept.length > this.#capacity) this.#kept.shift();
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (a client gone mid-write).
      }
    }
    return event;
  }

  /**
   * Calls `listener` at once with the kept events after `afterId` (all kept ones for 0; none when `afterId` is
   * undefined), then with every new event. Returns the function that stops it.
   */
  subscribe(afterId: number | undefined, listener: EventListener): () => void {
    if (afterId !== undefined) {
      for (const event of this.#kept) if (event.id > afterId) listener(event);
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** An event id a client sent (`Last-Event-ID`, `?after=`): a whole number, else undefined. */
export function parseEventId(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
