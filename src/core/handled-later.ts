/**
 * Marks a promise that will be awaited later as handled now, so that a rejection before that moment is not
 * reported as unhandled; the later await still sees it.
 */
export function handledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
