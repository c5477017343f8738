import { jsonPath } from '../model/paths.js';
import type { VerifyReport } from './verify.js';

/** The report as a JSON document, schema `nodupe.verify/1` (what `nodupe verify --output` writes). */
export function verifyReportDocument(report: VerifyReport, at: number) {
  return {
    schema: 'nodupe.verify/1',
    finishedAt: new Date(at).toISOString(),
    modes: report.modes,
    checked: report.checked,
    ok: report.errors.length === 0,
    errors: report.errors.map((e) => ({
      check: e.check,
      ...jsonPath(e.path),
      code: e.code,
      message: e.message,
      ...(e.run === undefined ? {} : { run: e.run }),
    })),
  };
}

/** The report as JSON text, schema `nodupe.verify/1`. */
export function verifyReportJson(report: VerifyReport, at: number): string {
  return `${JSON.stringify(verifyReportDocument(report, at), null, 2)}\n`;
}
