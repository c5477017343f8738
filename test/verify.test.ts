import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyPlan } from '../src/apply/apply.js';
import { nodeFileOps } from '../src/fs/file-ops.js';
import { scan } from '../src/scan/scan.js';
import { verify } from '../src/verify/verify.js';
import { applyWorkspace, makePlan } from './helpers/apply.js';
import { adversary, at } from './helpers/adversary.js';
import { injecting } from './helpers/ops.js';

const ws = applyWorkspace();

/** Two copies of one content, scanned: both get a full hash, so the checksums check re-reads them. */
async function scannedTwins(): Promise<[string, string]> {
  const files: [string, string] = [ws.dir.write('t/a', 'same content'), ws.dir.write('t/b', 'same content')];
  await scan({ roots: [ws.dir.path('t')], catalog: ws.catalog, threads: 1 });
  return files;
}

/** Quarantines one of two copies; returns where the copy went. */
async function quarantinedCopy(): Promise<string> {
  ws.dir.write('t/a', 'same content');
  ws.dir.write('t/b', 'same content');
  const { plan, text } = await makePlan(ws.catalog, [ws.dir.path('t')]);
  const { runId } = await applyPlan(plan, text, ws.options());
  const [entry] = ws.catalog.journal().entries(runId!);
  return String(entry!.target);
}

describe('verify, through injected file operations', () => {
  it('reports a catalog file it cannot look at as unreadable, and checks the others', async () => {
    const [a] = await scannedTwins();
    const ops = injecting(nodeFileOps, [{ call: 'lstat', pathIncludes: a, code: 'EACCES' }]);
    const report = await verify(ws.catalog, { mode: 'integrity', ops });
    expect(report.checked).toEqual({ integrity: 2 });
    expect(report.errors).toEqual([
      { check: 'integrity', path: a, code: 'unreadable', message: 'permission denied (EACCES)' },
    ]);
  });

  it('reports a file swapped between the integrity look and the re-hash, rather than throwing', async () => {
    await scannedTwins();
    // Another program replaces the first file the integrity check looked at, before it looks at the second.
    let first: string | undefined;
    const ops = adversary((call) => {
      if (call.name !== 'lstat') return false;
      if (first === undefined) {
        first = String(call.args[0]);
        return false;
      }
      writeFileSync(`${first}.new`, 'other content, longer');
      renameSync(`${first}.new`, first);
      return true;
    });
    const report = await verify(ws.catalog, { mode: 'all', ops, threads: 1 });
    expect(report.errors).toEqual([
      {
        check: 'checksums',
        path: first,
        code: 'changed',
        message: 'changed since the last scan; not compared',
      },
    ]);
  });

  it('reports a quarantined copy removed between two looks of the consistency check', async () => {
    const target = await quarantinedCopy();
    // Someone empties the quarantine by hand after the keeper was looked at, before the copy is.
    const ops = adversary((call) => {
      if (!at('lstat', target)(call)) return false;
      unlinkSync(target);
      return true;
    });
    const report = await verify(ws.catalog, { mode: 'consistency', ops });
    expect(report.errors).toMatchObject([{ check: 'consistency', code: 'quarantined-missing' }]);
  });

  it('reports a journal path it cannot look at as unreadable, rather than throwing', async () => {
    const target = await quarantinedCopy();
    const ops = injecting(nodeFileOps, [{ call: 'lstat', pathIncludes: target, code: 'EACCES' }]);
    const report = await verify(ws.catalog, { mode: 'consistency', ops });
    expect(report.errors).toMatchObject([
      {
        check: 'consistency',
        code: 'unreadable',
        message: 'could not be looked at: permission denied (EACCES)',
      },
    ]);
  });
});
