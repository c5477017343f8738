/** A node of a {@link Fifo}; keep it to remove the entry later in O(1). */
export interface FifoNode<T> {
  readonly value: T;
  prev: FifoNode<T> | undefined;
  next: FifoNode<T> | undefined;
  linked: boolean;
}

/**
 * A first-in, first-out list with O(1) push, shift and removal of any entry. The waiting lines of the rate
 * limiter, the bounded queue and the worker pool are all one of these, so a cancelled waiter leaves in O(1).
 */
export class Fifo<T> {
  #head: FifoNode<T> | undefined;
  #tail: FifoNode<T> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  peek(): T | undefined {
    return this.#head?.value;
  }

  push(value: T): FifoNode<T> {
    const node: FifoNode<T> = { value, prev: this.#tail, next: undefined, linked: true };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    return node;
  }

  shift(): T | undefined {
    const node = this.#head;
    if (!node) return undefined;
    this.remove(node);
    return node.value;
  }

  /** Removes a node; returns false when it had already left the list. */
  remove(node: FifoNode<T>): boolean {
    if (!node.linked) return false;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = undefined;
    node.linked = false;
    this.#size--;
    return true;
  }

  /** Empties the list and returns what it held, oldest first. */
  drain(): T[] {
    const values: T[] = [];
    for (let node = this.#head; node; node = this.#head) {
      this.remove(node);
      values.push(node.value);
    }
    return values;
  }
}
