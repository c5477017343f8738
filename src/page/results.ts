/** What a finished apply or undo did, and what each run did, in a person's words (the jobs report raw counts). */
import type { ActionOp } from '../plan/plan.js';
import type { JobView, RunView } from '../serve/protocol.js';
import { count, formatBytes } from './format.js';

/** A number from a job's result (absent or of another type: 0). */
function num(result: Record<string, unknown>, key: string): number {
  const value = result[key];
  return typeof value === 'number' ? value : 0;
}

/** What the action does to a file, after "3 files …". */
function done(op: ActionOp | undefined, to: string | undefined): string {
  switch (op) {
    case 'quarantine':
      return 'moved to quarantine';
    case 'delete':
      return 'deleted';
    case 'hardlink':
      return 'replaced with hard links';
    case 'symlink':
      return 'replaced with symlinks';
    case 'reflink':
      return 'replaced with reflinks';
    case 'move':
      return `moved to ${to ?? 'another folder'}`;
    case undefined:
      return 'acted on';
  }
}

/** "Run 1: 3 files moved to quarantine (131 KiB), 0 skipped" (a dry run: "Dry run: 3 files would be …"). */
export function applySummary(job: JobView, op?: ActionOp, to?: string): string {
  const result = job.result;
  if (!result) return job.error?.message ? `Failed: ${job.error.message}` : '';
  const files = count(num(result, 'done'), 'file');
  const what = `${done(op, to)} (${formatBytes(num(result, 'bytes'))}), ${num(result, 'skipped')} skipped`;
  const head =
    result['dryRun'] === true
      ? `Dry run: ${files} would be ${what}`
      : `Run ${typeof result['runId'] === 'number' ? result['runId'] : '?'}: ${files} ${what}`;
  const settled = num(result, 'alreadySettled');
  return (
    head +
    (settled > 0 ? `, ${settled} done before` : '') +
    (result['stopped'] === true ? '. Stopped part way: `nodupe apply --resume` finishes it.' : '')
  );
}

/** "Undone: 3 files back in place", and what could not come back. */
export function undoSummary(job: JobView): string {
  const result = job.result;
  if (!result) return job.error?.message ? `Failed: ${job.error.message}` : '';
  const parts = [`Undone: ${count(num(result, 'undone'), 'file')} back in place`];
  const already = num(result, 'already');
  if (already > 0) parts.push(`${already} in place already`);
  const lost = [
    [num(result, 'deleted'), 'deleted'],
    [num(result, 'purged'), 'purged from the quarantine'],
    [num(result, 'gone'), 'gone from the quarantine'],
  ] as const;
  for (const [n, why] of lost) if (n > 0) parts.push(`${count(n, 'file')} ${why}: no undo brings them back`);
  const retry = num(result, 'notUndone') - lost.reduce((sum, [n]) => sum + n, 0);
  if (retry > 0) parts.push(`${count(retry, 'file')} not put back yet: undo again to retry`);
  return parts.join(', ');
}

/** A run's state in words; a run still "running" while no apply runs was cut short. */
export function runState(run: RunView, applying: boolean): string {
  switch (run.state) {
    case 'running':
      return applying ? 'running' : 'stopped part way';
    case 'finished':
      return 'finished';
    case 'undoing':
      return 'undo unfinished';
    case 'undone':
      return 'undone';
    case 'partly-undone':
      return 'partly undone';
    default:
      return run.state;
  }
}

const ENTRY_WORDS: [key: string, words: string][] = [
  ['done', 'done'],
  ['skipped', 'skipped'],
  ['intent', 'pending'],
  ['undone', 'undone'],
  ['purged', 'purged'],
];

/** What a run did to its files: "3 done, 1 skipped"; "3 undone". */
export function runOutcome(run: RunView): string {
  const parts = ENTRY_WORDS.filter(([key]) => (run.entries[key] ?? 0) > 0).map(
    ([key, words]) => `${run.entries[key]} ${words}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

/** A plan id as a person tells plans apart: its first eight characters. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** A keeper rule as the plan spells it (`newest`, `prefer DIR`, `prefer-match GLOB`), in words. */
function ruleWords(rule: string): string {
  const [name = '', ...rest] = rule.split(' ');
  const arg = rest.join(' ');
  switch (name) {
    case 'newest':
    case 'oldest':
      return `the ${name}`;
    case 'shortest-path':
      return 'the shortest path';
    case 'prefer':
      return `the one in ${arg}`;
    case 'prefer-match':
      return `the one matching ${arg}`;
    case 'avoid-match':
      return `one not matching ${arg}`;
    default:
      return rule;
  }
}

/** Which copy the plan keeps, by its rules: "Keeps the newest, then the one in /photos". */
export function keeping(rules: readonly string[]): string {
  if (rules.length === 0) return 'Keeps the first path of each group (no rule chosen)';
  return `Keeps ${rules.map(ruleWords).join(', then ')}`;
}
