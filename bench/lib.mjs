// Helpers shared by the benchmarks: figures are printed as JSON lines, one object per line.

/** @param {Record<string, unknown>} record */
export function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** @param {readonly number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** CPU time (user + system, all threads of this process) in milliseconds since `since`. */
export function cpuMs(since) {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1000;
}

export function round(value, digits = 3) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Real-time sleep: benchmarks measure real behaviour; tests never call this. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Timeout handles alive in this process right now. */
export function pendingTimeouts() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
