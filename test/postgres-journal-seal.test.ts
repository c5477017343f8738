// In a catalog many machines share, any of them can write the journal's tables. A machine's own runs are sealed
// under a key only it holds: a run, an intent or a folder record changed or forged by someone else is refused
// before anything acts on it, and so is every run when this machine's key is lost.
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { entry } from './journal-contract.js';
import { postgresAvailable } from './helpers/postgres.js';
import { sharedCatalogPerTest } from './helpers/shared-catalog.js';

describe.skipIf(!postgresAvailable())('the sealed journal of a shared catalog', () => {
  const shared = sharedCatalogPerTest();
  const { open, tamper } = shared;
  /** A run of m1 with two quarantined files and a folder it made. */
  const m1Run = () => {
    const journal = open('m1').journal();
    const run = journal.startRun('plan-a', '{"plan":"a"}', 1000, { quarantineDir: '/q' });
    journal.write([entry(run, 0), entry(run, 1)], 1000);
    journal.recordFolders(run, [{ path: '/q/run-1/t', dev: 1n, ino: 2n, birthNs: 3n }]);
    return { journal, run };
  };

  it('reads back what this machine wrote', () => {
    const { journal, run } = m1Run();
    expect(journal.entries(run)).toHaveLength(2);
    expect(journal.targets(run).map((t) => t.target)).toEqual([
      `/q/run-${run}/t/copy-0`,
      `/q/run-${run}/t/copy-1`,
    ]);
    expect(journal.folders(run)).toHaveLength(1);
    expect(journal.planText(run)).toBe('{"plan":"a"}');
    expect(journal.runs().map((r) => r.id)).toEqual([run]);
  });

  it('refuses an intent whose target, path or expectation was changed', async () => {
    const { journal, run } = m1Run();
    await tamper("UPDATE journal SET target = convert_to('/home/victim/thesis.pdf', 'UTF8') WHERE seq = 1");
    expect(() => journal.entries(run)).toThrow(/entry 1 of run \d+ .*not as this machine wrote it/);
    expect(() => journal.targets(run)).toThrow(/seal does not match/);
  });

  it('refuses a run made to look like this machine’s, or whose plan or quarantine folder was changed', async () => {
    const { journal, run } = m1Run();
    await tamper("UPDATE runs SET quarantine = '/home/victim' WHERE id = $1", [run]);
    expect(() => journal.run(run)).toThrow(/run \d+ .*not as this machine wrote it/);
    await tamper('UPDATE runs SET quarantine = \'/q\', plan = \'{"plan":"b"}\' WHERE id = $1', [run]);
    expect(() => journal.planText(run)).toThrow(/seal does not match/);
    expect(journal.runs()).toEqual([]);
    // Another machine's run, relabelled as m1's: its seal is m2's (or none).
    await tamper('UPDATE runs SET plan = \'{"plan":"a"}\' WHERE id = $1', [run]);
    const m2 = open('m2').journal();
    const theirs = m2.startRun('plan-x', '{}', 2000, { quarantineDir: '/q2' });
    await tamper("UPDATE runs SET machine = 'm1' WHERE id = $1", [theirs]);
    expect(() => journal.run(theirs)).toThrow(/seal does not match/);
    // A run forged outright, with no seal at all.
    await tamper("UPDATE runs SET machine = 'm2' WHERE id = $1", [theirs]);
    await tamper(
      "INSERT INTO runs (machine, plan_id, plan, state, started_at) VALUES ('m1', 'p', '{}', 'finished', 1)",
    );
    // It is left out of the list, and refused by its id.
    expect(journal.runs().map((r) => r.id)).toEqual([run]);
    expect(() => journal.run(theirs + 1)).toThrow(/seal is missing/);
  });

  it('refuses a folder record changed to name another folder', async () => {
    const { journal, run } = m1Run();
    await tamper("UPDATE run_folders SET path = convert_to('/home/victim', 'UTF8')");
    expect(() => journal.folders(run)).toThrow(/a folder run \d+ made .*seal does not match/);
  });

  it('refuses every run once this machine’s key is gone, and says where the files are', () => {
    const { run } = m1Run();
    const elsewhere = mkdtempSync(join(tmpdir(), 'nodupe-state-'));
    try {
      const journal = open('m1', elsewhere).journal();
      expect(() => journal.entries(run)).toThrow(/journal key .* was lost.*still in their quarantine folder/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!postgresAvailable())('the sealed journal, against its states and its key', () => {
  const shared = sharedCatalogPerTest();
  const { open, tamper } = shared;

  it('refuses an entry marked purged or undone by someone else, and keeps the states it settled itself', async () => {
    const journal = open('m1').journal();
    const run = journal.startRun('plan-a', '{}', 1000, { quarantineDir: '/q' });
    journal.write([entry(run, 0), entry(run, 1)], 1000);
    journal.settle(
      run,
      [
        { seq: 0, state: 'done', foldersMade: 2 },
        { seq: 1, state: 'done' },
      ],
      1001,
    );
    journal.setRunState(run, 'finished', 1002);
    expect(journal.entries(run).map((e) => [e.state, e.foldersMade])).toEqual([
      ['done', 2],
      ['done', undefined],
    ]);
    expect(journal.run(run)?.state).toBe('finished');
    await tamper("UPDATE journal SET state = 'purged' WHERE seq = 0");
    expect(() => journal.entries(run)).toThrow(/the state of entry 0 of run \d+ .*seal does not match/);
    await tamper("UPDATE journal SET state = 'done', folders_made = 9 WHERE seq = 0");
    expect(() => journal.entries(run)).toThrow(/the state of entry 0/);
    await tamper('UPDATE journal SET folders_made = 2 WHERE seq = 0');
    expect(journal.entries(run)).toHaveLength(2);
  });

  it('refuses the seals of an earlier run that had the same id (the sequence rewound)', async () => {
    const journal = open('m1').journal();
    const first = journal.startRun('plan-a', '{}', 1000, { quarantineDir: '/q' });
    journal.write([entry(first, 0)], 1000);
    journal.settle(first, [{ seq: 0, state: 'purged' }], 1001);
    const client = new pg.Client({ connectionString: shared.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ seal: Buffer; state_seal: Buffer }>(
        'SELECT seal, state_seal FROM journal WHERE run_id = $1 AND seq = 0',
        [first],
      );
      await client.query('DELETE FROM journal WHERE run_id = $1', [first]);
      await client.query('DELETE FROM runs WHERE id = $1', [first]);
      await client.query(`SELECT setval(pg_get_serial_sequence('runs', 'id'), $1, false)`, [first]);
      const fresh = open('m1').journal();
      const again = fresh.startRun('plan-a', '{}', 2000, { quarantineDir: '/q' });
      expect(again).toBe(first);
      fresh.write([entry(again, 0)], 2000);
      fresh.settle(again, [{ seq: 0, state: 'done' }], 2001);
      await client.query(
        "UPDATE journal SET state = 'purged', state_seal = $2 WHERE run_id = $1 AND seq = 0",
        [again, rows[0]!.state_seal],
      );
      expect(() => fresh.entries(again)).toThrow(/the state of entry 0 .*seal does not match/);
      await client.query('UPDATE journal SET seal = $2 WHERE run_id = $1 AND seq = 0', [
        again,
        rows[0]!.seal,
      ]);
      expect(() => fresh.entries(again)).toThrow(/entry 0 of run \d+ .*seal does not match/);
    } finally {
      await client.end();
    }
  });

  it('leaves a run whose state was changed out of the list, and refuses it by its id', async () => {
    const journal = open('m1').journal();
    const kept = journal.startRun('plan-a', '{}', 1000, { quarantineDir: '/q' });
    journal.setRunState(kept, 'finished', 1001);
    const changed = journal.startRun('plan-b', '{}', 2000, { quarantineDir: '/q' });
    journal.setRunState(changed, 'finished', 2001);
    await tamper("UPDATE runs SET state = 'undone' WHERE id = $1", [changed]);
    // A forged row beside them: it cannot block the others.
    await tamper(
      "INSERT INTO runs (machine, plan_id, plan, state, started_at) VALUES ('m1', 'p', '{}', 'finished', 1)",
    );
    expect(journal.runs().map((r) => r.id)).toEqual([kept]);
    expect(() => journal.run(changed)).toThrow(/the state of run \d+ .*seal does not match/);
  });

  it('refuses a catalog whose id someone changed to steer its key and lock files', async () => {
    open('m1').close();
    await tamper("UPDATE catalog_meta SET value = '../../../../tmp/mal/x' WHERE key = 'id'");
    expect(() => open('m1')).toThrow(/has an id nodupe did not make/);
  });

  it('refuses a key that others can read, or one that is a symbolic link, or in a folder others may enter', () => {
    const catalog = open('m1');
    const run = catalog.journal().startRun('plan-a', '{}', 1000, { quarantineDir: '/q' });
    const folder = join(shared.state, 'nodupe', 'journal-keys');
    const key = join(folder, `${catalog.id}-m1`);
    chmodSync(key, 0o644);
    expect(() => open('m1').journal().run(run)).toThrow(/can be read by others/);
    chmodSync(key, 0o600);
    renameSync(key, `${key}.real`);
    symlinkSync(`${key}.real`, key);
    expect(() => open('m1').journal().run(run)).toThrow(/is a symbolic link/);
    rmSync(key);
    renameSync(`${key}.real`, key);
    chmodSync(folder, 0o755);
    expect(() => open('m1').journal().run(run)).toThrow(
      /journal-keys is not a folder of this user that no one else/,
    );
    chmodSync(folder, 0o700);
    expect(open('m1').journal().run(run)?.id).toBe(run);
  });

  it('makes no key when it only reads: a key moved away is not silently replaced', () => {
    const catalog = open('m1');
    const run = catalog.journal().startRun('plan-a', '{}', 1000, { quarantineDir: '/q' });
    const folder = join(shared.state, 'nodupe', 'journal-keys');
    renameSync(folder, `${folder}.moved`);
    const journal = open('m1').journal();
    expect(journal.runs()).toEqual([]);
    expect(journal.unsealedRuns()).toEqual([run]);
    expect(() => journal.run(run)).toThrow(/this machine has no journal key at/);
    expect(existsSync(folder)).toBe(false);
  });
});
