import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('nodupe command line', () => {
  it('prints help and exits 0', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: nodupe');
  });

  it('prints its version', async () => {
    const { code, stdout } = await run('--version');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('rejects an unknown option with a clear message and exit code 2', async () => {
    const { code, stderr } = await run('--frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--frobnicate'");
  });
});
