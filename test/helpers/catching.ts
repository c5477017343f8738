/** What `fn` throws, to look into (its code, its cause); a test failure when it throws nothing. */
export function catching(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
