// What every store's apply journal promises (src/apply/journal.ts), as one suite that each store runs: runs and
// their states, intents written whole (raw-byte paths, device and inode numbers past 2^53), outcomes settled over
// them, the figures a run's summary adds up, the folders a run made, and all of it rolled back with the catalog's
// transaction.
import { describe, expect, it } from 'vitest';
import type { JournalEntry, MadeFolder, Settlement } from '../src/apply/journal.js';
import type { CatalogStore } from '../src/catalog/store.js';
import type { FsPath } from '../src/model/paths.js';

/** Past 2^53: device and inode numbers and nanosecond times must come back exact. */
const BIG = 2n ** 60n + 7n;
/** A path whose bytes are not UTF-8. */
const LATIN1 = Buffer.from([0x2f, 0x74, 0x2f, 0xe9, 0x74, 0xe9]);

export function entry(runId: number, seq: number, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    runId,
    seq,
    op: 'quarantine',
    path: `/t/copy-${seq}`,
    keeper: '/t/keep',
    target: `/q/run-${runId}/t/copy-${seq}`,
    expect: {
      size: 100 + seq,
      mtimeNs: BIG + BigInt(seq),
      ctimeNs: BIG,
      dev: BIG,
      ino: BIG + 1n,
      hash: `h${seq}`,
    },
    owner: undefined,
    folder: { dev: 2049n, ino: 12n },
    keeperId: { dev: 2049n, ino: 13n },
    state: 'intent',
    reason: undefined,
    bytes: 100 + seq,
    freed: undefined,
    foldersMade: undefined,
    ...over,
  };
}

function folder(path: FsPath, ino: bigint, birthNs: bigint | undefined = BIG): MadeFolder {
  return { path, dev: 2049n, ino, birthNs };
}

/**
 * Runs the journal's promises against the catalogs `open` gives: a new, empty catalog for each test (closed by
 * the suite).
 */
export function journalContract(name: string, open: () => CatalogStore | Promise<CatalogStore>): void {
  describe(`the apply journal (${name})`, () => {
    async function withJournal(fn: (catalog: CatalogStore) => void): Promise<void> {
      const catalog = await open();
      try {
        fn(catalog);
      } finally {
        catalog.close();
      }
    }

    it('keeps runs oldest first, with their plan, quarantine folder and snapshot', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        expect(journal.runs()).toEqual([]);
        const first = journal.startRun('plan-a', '{"plan":"a"}', 1000.4, { quarantineDir: '/q' });
        const second = journal.startRun('plan-b', '{"plan":"b"}', 2000, {
          snapshot: { id: 'snap-1', store: '/snapshots' },
        });
        const third = journal.startRun('plan-a', '{"plan":"a again"}', 3000, {
          snapshot: { id: 'snap-2', store: undefined },
        });
        expect(second).toBeGreaterThan(first);
        expect(third).toBeGreaterThan(second);
        expect(journal.runs().map((r) => r.id)).toEqual([first, second, third]);
        expect(journal.run(first)).toEqual({
          id: first,
          planId: 'plan-a',
          state: 'running',
          startedAt: 1000,
          finishedAt: undefined,
          undoneAt: undefined,
          quarantineDir: '/q',
          snapshot: undefined,
          entries: { intent: 0, done: 0, skipped: 0, undone: 0, purged: 0 },
          tallies: [],
        });
        expect(journal.run(second)!.snapshot).toEqual({ id: 'snap-1', store: '/snapshots' });
        expect(journal.run(third)!.snapshot).toEqual({ id: 'snap-2', store: undefined });
        expect(journal.run(third + 100)).toBeUndefined();
        expect(journal.runsOfPlan('plan-a').map((r) => r.id)).toEqual([first, third]);
        expect(journal.runsOfPlan('plan-c')).toEqual([]);
        expect(journal.planText(third)).toBe('{"plan":"a again"}');
      }));

    it('records when a run finished and when it was undone', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        journal.setRunState(run, 'finished', 2000);
        expect(journal.run(run)).toMatchObject({ state: 'finished', finishedAt: 2000, undoneAt: undefined });
        journal.setRunState(run, 'undoing', 3000);
        expect(journal.run(run)).toMatchObject({ state: 'undoing', finishedAt: 2000, undoneAt: undefined });
        journal.setRunState(run, 'partly-undone', 4000);
        expect(journal.run(run)).toMatchObject({ state: 'partly-undone', finishedAt: 2000, undoneAt: 4000 });
        journal.setRunState(run, 'undone', 5000);
        expect(journal.run(run)).toMatchObject({ state: 'undone', undoneAt: 5000 });
      }));

    it('gives back each intent as written, in plan order, with raw-byte paths and exact big numbers', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        const linked = entry(run, 0, {
          op: 'hardlink',
          path: LATIN1,
          target: Buffer.concat([LATIN1, Buffer.from('.nodupe-tmp')]),
          owner: { mode: 0o100644, uid: 1000, gid: 100, atimeNs: BIG - 1n },
        });
        const plain = entry(run, 1, {
          target: undefined,
          folder: undefined,
          keeperId: undefined,
          op: 'delete',
        });
        journal.write([entry(run, 2), plain, linked], 1000);
        expect(journal.entries(run)).toEqual([linked, plain, entry(run, 2)]);
        expect(Buffer.isBuffer(journal.entries(run)[0]!.path)).toBe(true);
        // Only the entries with a target, and only those four fields.
        expect(journal.targets(run)).toEqual([
          { seq: 0, op: 'hardlink', path: linked.path, target: linked.target },
          { seq: 2, op: 'quarantine', path: '/t/copy-2', target: `/q/run-${run}/t/copy-2` },
        ]);
        expect(journal.entries(run + 1)).toEqual([]);
      }));

    it('refuses a second intent for the same action, and keeps the first', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        journal.write([entry(run, 0)], 1000);
        expect(() => journal.write([entry(run, 0, { path: '/elsewhere' })], 1000)).toThrow();
        expect(journal.entries(run).map((e) => e.path)).toEqual(['/t/copy-0']);
      }));

    it('settles outcomes over intents, keeping the figures an outcome does not give', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        journal.write(
          [0, 1, 2, 3].map((seq) => entry(run, seq)),
          1000,
        );
        journal.settle(
          run,
          [
            { seq: 0, state: 'done', freed: 4096, foldersMade: 2 },
            { seq: 1, state: 'skipped', reason: 'the file changed since the scan' },
            { seq: 2, state: 'done' },
          ],
          2000,
        );
        // An undo gives no figures: those of the action it reverses stay.
        journal.settle(run, [{ seq: 0, state: 'undone' }], 3000);
        // Two outcomes of one entry in one call: as one after the other.
        journal.settle(
          run,
          [
            { seq: 3, state: 'done', reason: 'first', freed: 10 },
            { seq: 3, state: 'purged', foldersMade: 1 },
          ],
          3000,
        );
        const bySeq = journal.entries(run).map((e) => [e.state, e.reason, e.freed, e.foldersMade]);
        expect(bySeq).toEqual([
          ['undone', undefined, 4096, 2],
          ['skipped', 'the file changed since the scan', undefined, undefined],
          ['done', undefined, undefined, undefined],
          ['purged', 'first', 10, 1],
        ]);
        // Settling nothing, or entries that are not there, changes nothing.
        journal.settle(run, [], 4000);
        journal.settle(run, [{ seq: 99, state: 'done' }], 4000);
        expect(journal.entries(run).map((e) => [e.state, e.reason, e.freed, e.foldersMade])).toEqual(bySeq);
      }));

    it("adds up a run's entries by action and state; an entry not measured counts its size", () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        const other = journal.startRun('p', '{}', 1000);
        journal.write(
          [
            entry(run, 0, { bytes: 1000 }),
            entry(run, 1, { bytes: 2000 }),
            entry(run, 2, { op: 'hardlink', bytes: 300 }),
            entry(run, 3, { op: 'delete', bytes: 50 }),
          ],
          1000,
        );
        journal.write([entry(other, 0, { bytes: 7 })], 1000);
        const outcomes: Settlement[] = [
          { seq: 0, state: 'done', freed: 4096 },
          { seq: 1, state: 'done' },
          { seq: 2, state: 'skipped', reason: 'changed' },
        ];
        journal.settle(run, outcomes, 2000);
        const record = journal.run(run)!;
        expect(record.entries).toEqual({ intent: 1, done: 2, skipped: 1, undone: 0, purged: 0 });
        expect(record.tallies).toEqual([
          { op: 'delete', state: 'intent', entries: 1, bytes: 50, freed: 50 },
          { op: 'hardlink', state: 'skipped', entries: 1, bytes: 300, freed: 300 },
          { op: 'quarantine', state: 'done', entries: 2, bytes: 3000, freed: 4096 + 2000 },
        ]);
        expect(journal.runs().map((r) => r.entries.intent)).toEqual([1, 1]);
        expect(journal.runs()[1]!.tallies).toEqual([
          { op: 'quarantine', state: 'intent', entries: 1, bytes: 7, freed: 7 },
        ]);
      }));

    it('keeps the folders a run made, in path byte order, and forgets those it is told to', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        const other = journal.startRun('p', '{}', 1000);
        journal.recordFolders(run, [folder('/q/run-1/b', 21n), folder('/q/run-1/a', 20n, undefined)]);
        journal.recordFolders(run, []);
        journal.recordFolders(other, [folder('/q/run-2/a', 30n)]);
        // The same folder again (made anew after it was removed): the new record replaces the old.
        journal.recordFolders(run, [folder('/q/run-1/b', 22n)]);
        journal.recordFolders(run, [folder(LATIN1, 1n), folder('/q/run-1/c', 23n)]);
        expect(journal.folders(run)).toEqual([
          folder('/q/run-1/a', 20n, undefined),
          folder('/q/run-1/b', 22n),
          folder('/q/run-1/c', 23n),
          folder(LATIN1, 1n),
        ]);
        journal.forgetFolders(run, ['/q/run-1/a', '/q/run-1/c', '/q/run-2/a']);
        journal.forgetFolders(run, []);
        expect(journal.folders(run).map((f) => f.path)).toEqual(['/q/run-1/b', LATIN1]);
        expect(journal.folders(other).map((f) => f.path)).toEqual(['/q/run-2/a']);
      }));

    it("writes nothing of a batch whose catalog transaction fails: intents, outcomes, folders, the run's state", () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        journal.write([entry(run, 0)], 1000);
        expect(() =>
          catalog.atomically(() => {
            journal.settle(run, [{ seq: 0, state: 'done', freed: 1 }], 2000);
            journal.write([entry(run, 1)], 2000);
            journal.recordFolders(run, [folder('/q/x', 5n)]);
            journal.setRunState(run, 'finished', 2000);
            throw new Error('the disk went away');
          }),
        ).toThrow('the disk went away');
        expect(journal.entries(run).map((e) => [e.seq, e.state, e.freed])).toEqual([
          [0, 'intent', undefined],
        ]);
        expect(journal.folders(run)).toEqual([]);
        expect(journal.run(run)!.state).toBe('running');
        // The same batch, committed.
        catalog.atomically(() => {
          journal.settle(run, [{ seq: 0, state: 'done', freed: 1 }], 2000);
          journal.write([entry(run, 1)], 2000);
          journal.setRunState(run, 'finished', 2000);
        });
        expect(journal.run(run)).toMatchObject({ state: 'finished', entries: { intent: 1, done: 1 } });
      }));

    it('writes a large batch whole (thousands of intents in one call)', () =>
      withJournal((catalog) => {
        const journal = catalog.journal();
        const run = journal.startRun('p', '{}', 1000);
        const many = Array.from({ length: 3000 }, (_, seq) => entry(run, seq));
        journal.write(many, 1000);
        journal.settle(
          run,
          many.map((e) => ({ seq: e.seq, state: 'done' as const })),
          2000,
        );
        expect(journal.run(run)!.entries.done).toBe(3000);
        expect(journal.entries(run)[2999]).toEqual({ ...many[2999], state: 'done' });
      }));
  });
}
