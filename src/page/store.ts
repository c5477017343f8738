/** One owner of the page's state: views read it and re-draw when it changes. */
import { initialState, type State } from './state.js';

export type Listener = (state: State, previous: State) => void;

export class Store {
  #state: State = initialState();
  readonly #listeners = new Set<Listener>();

  get state(): State {
    return this.#state;
  }

  update(change: Partial<State> | ((state: State) => State)): void {
    const previous = this.#state;
    this.#state = typeof change === 'function' ? change(previous) : { ...previous, ...change };
    if (this.#state === previous) return;
    for (const listener of this.#listeners) listener(this.#state, previous);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
