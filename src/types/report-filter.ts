import { summarize, type DupesReport } from '../dupes/report.js';
import type { TypeFilter } from './filter.js';
import { groupsOfTypes } from './groups.js';

/**
 * The report with only the groups whose content's type matches one of the filters (`--type`), its summary
 * counted again; the report itself when there are no filters. A group of unknown type matches none.
 */
export function reportOfTypes(report: DupesReport, filters: readonly TypeFilter[]): DupesReport {
  if (filters.length === 0) return report;
  const groups = groupsOfTypes(report.groups, filters);
  return { ...report, groups, summary: summarize(groups) };
}
