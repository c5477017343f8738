import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { scratch } from './helpers/tree.js';

// An error says what is wrong on one line and, when there is one, what to do about it on the next.
describe('errors with a hint', () => {
  let dir: ReturnType<typeof scratch>;
  beforeEach(() => {
    dir = scratch();
    dir.write('t/a.txt', 'x');
  });
  afterEach(() => dir.remove());

  const cli = (...args: string[]) => runCli(args, { cwd: dir.root, env: scratchEnv(dir) });

  it('a missing catalog: what is wrong, then how to make one, exit 2', async () => {
    const run = await cli('dupes', '--catalog', 'typo.db');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `nodupe: there is no catalog at ${dir.path('typo.db')}\n` +
        'nodupe: hint: `nodupe scan PATH` makes one (is the --catalog path right?)\n',
    );
  });

  it('an option in the wrong place: the command that does it, as a hint', async () => {
    const run = await cli('apply', 'plan.json', '--run', '3');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('nodupe: --run is for --resume\nnodupe: hint: nodupe apply --resume --run 3\n');
  });

  it('an error without a hint is one line', async () => {
    const run = await cli('scan', 'nowhere');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('nodupe: nowhere: no such file or directory\n');
  });
});
