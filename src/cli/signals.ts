/** The exit code of a process ended by a signal, as shells report it: 128 + the signal's number. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;
const SIGNALS = Object.keys(SIGNAL_EXIT) as StopSignal[];

/** What nodupe says when a signal stopped the command: "nodupe: interrupted". */
export const STOPPED_BY: Record<StopSignal, string> = { SIGINT: 'interrupted', SIGTERM: 'terminated' };

/** How long the command has to unwind after a signal before the process is ended without it. */
export const GRACE_MS = 900;

export interface SignalWatch {
  /** The signal that asked the process to stop, once one has. */
  readonly received: StopSignal | undefined;
  /** Stops listening (when the command has ended). A signal already received still ends the process. */
  dispose(): void;
}

/**
 * Makes SIGINT and SIGTERM stop the command, and always end the process within about a second.
 *
 * The first signal calls `stop`, which aborts the command: its `finally` blocks release what it holds (locks,
 * the catalog, the plugins) and the CLI exits 130 or 143. From then on nodupe listens no more, so a second
 * signal has its default effect and ends the process at once. And if the process is still there `graceMs`
 * later (a worker thread stuck in a system call, which Node waits for even in `process.exit`), it sends
 * itself the signal again and dies of it, as a shell expects a process stopped by a signal to. Nothing is left
 * half done that a crash would not leave: the catalog is SQLite in WAL mode, the journal is written for
 * crashes, and locks die with their process. The grace timer is a real timer: it is about the real process.
 */
export function watchSignals(
  stop: (signal: StopSignal) => void,
  options: {
    /** Writes a message for the user (the command's stderr, which keeps it off the progress line). */
    say?: (message: string) => void;
    graceMs?: number;
  } = {},
): SignalWatch {
  const graceMs = options.graceMs ?? GRACE_MS;
  const say = options.say ?? ((message: string) => void process.stderr.write(message));
  let received: StopSignal | undefined;
  const dispose = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  const onSignal = (name: NodeJS.Signals): void => {
    const signal = name as StopSignal;
    received = signal;
    dispose();
    const force = setTimeout(() => {
      say(`nodupe: still stopping ${graceMs} ms after ${signal}; ending now\n`);
      // Only the default action is left for the signal, so that it cannot be caught again.
      for (const s of SIGNALS) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    }, graceMs);
    // A process that has nothing left to do exits by itself: the timer does not keep it alive.
    force.unref();
    stop(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    get received() {
      return received;
    },
    dispose,
  };
}
