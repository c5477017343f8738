import type { EventBody } from '../serve/protocol.js';

/** The service's events, in the order they happened; a listener that throws does not stop the others. */
export class ServiceEvents {
  readonly #listeners = new Set<(event: EventBody) => void>();

  /** Calls `listener` with every event from now on; returns the function that unsubscribes it. */
  on(listener: (event: EventBody) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: EventBody): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own (a client gone mid-write).
      }
    }
  }
}
