import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GLOB_LIMITS } from '../src/scan/glob.js';
import { runCli } from './helpers/cli.js';
import { refusal, serviceFixture } from './helpers/service.js';
import { scratch } from './helpers/tree.js';

/** A glob that made picomatch backtrack for minutes against one long name, with one wildcard too many. */
const HOSTILE = `${'*a'.repeat(GLOB_LIMITS.maxWildcards)}*c`;

describe('a glob out of bounds', () => {
  let fixture: Awaited<ReturnType<typeof serviceFixture>> | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('is refused as bad input by the groups path filter, naming the param', async () => {
    fixture = await serviceFixture({ extra: 2 });
    const error = await refusal(fixture.service.call('groups', { path: HOSTILE }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/^groups: path: the glob ".*" is refused: more than 32 wildcards/);
    // A long glob of many stars is one wildcard once collapsed, and filters as before.
    const page = await fixture.service.call('groups', { path: `**/${'*'.repeat(300)}` });
    expect(page.total).toBe((await fixture.service.call('groups', {})).total);
  });

  it('is refused as bad input in a plan.build keeper rule', async () => {
    fixture = await serviceFixture({ extra: 0 });
    const error = await refusal(
      fixture.service.call('plan.build', { policy: { rules: [`avoid-match:${'x'.repeat(2000)}`] } }),
    );
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('plan.build: policy.rules: the glob');
    expect(error.message).toContain('longer than 1024 characters (2000)');
  });
});

describe('on the command line, a glob out of bounds', () => {
  let dir: ReturnType<typeof scratch>;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = scratch();
    env = { XDG_DATA_HOME: dir.path('data'), XDG_CONFIG_HOME: dir.path('config') };
  });
  afterEach(() => dir.remove());

  it('is a usage error of --prefer-match and of --exclude (exit 2)', async () => {
    dir.write('t/a/x.jpg', 'same');
    dir.write('t/b/x.jpg', 'same');
    const plan = await runCli(['plan', '--no-progress', 't', '-o', 'p.json', '--prefer-match', HOSTILE], {
      cwd: dir.root,
      env,
    });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('is refused: more than 32 wildcards');
    const scan = await runCli(['scan', '--no-progress', 't', '--exclude', `{a,b}`.repeat(7)], {
      cwd: dir.root,
      env,
    });
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain('its braces expand to more than 64 alternatives');
    for (const run of [plan, scan]) expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
