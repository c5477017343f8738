import type { DupesReport } from '../report.js';

/** Where a format writes: strings, or raw bytes for paths that are not UTF-8. */
export interface Output {
  write(chunk: string | Buffer): void;
}

export interface DupesFormat {
  readonly name: string;
  /**
   * Whether it shows archive members (`DuplicateGroup.members`, groups of fewer than two files among them): only
   * a format that says so is given them (`dupes --archives`); the others get the loose files' groups.
   */
  readonly archiveMembers?: boolean;
  render(report: DupesReport, out: Output): void;
}
