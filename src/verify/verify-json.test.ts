import { describe, expect, it } from 'vitest';
import { verifyReportDocument, verifyReportJson } from './verify-json.js';

describe("verify's report as JSON (nodupe.verify/1), the same for `verify -o` and the server", () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('says ok with no errors, and when it finished', () => {
    const doc = verifyReportDocument({ modes: ['integrity'], checked: { integrity: 3 }, errors: [] }, at);
    expect(doc).toEqual({
      schema: 'nodupe.verify/1',
      finishedAt: '2026-01-02T03:04:05.000Z',
      modes: ['integrity'],
      checked: { integrity: 3 },
      ok: true,
      errors: [],
    });
  });

  it('lists each error with its path (bytes that are not UTF-8 in base64) and its run', () => {
    const raw = Buffer.from([0x2f, 0x61, 0xff]);
    const text = verifyReportJson(
      {
        modes: ['consistency'],
        checked: { consistency: 1 },
        errors: [{ check: 'consistency', path: raw, code: 'MISSING', message: 'gone', run: 2 }],
      },
      at,
    );
    expect(text.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(text) as { ok: boolean; errors: Record<string, unknown>[] };
    expect(doc.ok).toBe(false);
    expect(doc.errors).toEqual([
      {
        check: 'consistency',
        path: '/a\ufffd',
        pathBytes: raw.toString('base64'),
        code: 'MISSING',
        message: 'gone',
        run: 2,
      },
    ]);
  });
});
