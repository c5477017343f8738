/**
 * Waits until `test` holds, looking again after each turn of the event loop: on real events, never on time. The
 * 10 s guard only turns a hang into a failure (`no <what> after 10 s`).
 */
export function eventually(test: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const look = () => {
      if (test()) return resolve();
      if (Date.now() - started > 10_000) return reject(new Error(`no ${what} after 10 s`));
      setImmediate(look);
    };
    look();
  });
}
