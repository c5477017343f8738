import type { DupesReport } from '../report.js';

/** Where a format writes: strings, or raw bytes for paths that are not UTF-8. */
export interface Output {
  write(chunk: string | Buffer): void;
}

export interface DupesFormat {
  readonly name: string;
  render(report: DupesReport, out: Output): void;
}
