// An apply started from the page, cut short by stopping the server (SIGTERM, as a service manager stops it): the
// server ends with 143 at a batch boundary, and `nodupe apply --resume` finishes the run with no file lost.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { bytes, scratch } from '../helpers/tree.js';
import {
  BIN,
  browserAvailable,
  DESKTOP,
  filesUnder,
  launchBrowser,
  screenshot,
  serverEnv,
  startServer,
} from './harness.js';

/** Pairs of identical files of 1 MiB: read at 2 MiB/s, the apply takes about a second per pair. */
const PAIRS = 12;

describe.skipIf(!browserAvailable())('an apply interrupted by stopping the server', () => {
  let dir: ReturnType<typeof scratch>;
  let browser: Browser;

  beforeAll(async () => {
    dir = scratch();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    dir.remove();
  });

  it('stops with 143, and apply --resume finishes it: every content kept once in place, the rest quarantined', async () => {
    for (let i = 0; i < PAIRS; i++) {
      const content = bytes(1 << 20, i + 1);
      dir.write(`t/${String(i).padStart(2, '0')}/a`, content);
      dir.write(`t/${String(i).padStart(2, '0')}/b`, content);
    }
    const before = filesUnder(dir.path('t'));
    const env = serverEnv(dir.root);
    const catalog = dir.path('catalog.db');
    const scanned = await runCli(['scan', '--catalog', catalog, dir.path('t')], { env });
    expect(scanned.code, scanned.stderr).toBe(0);

    const server = await startServer(catalog, env, ['--max-read-rate', '2MiB/s']);
    const page = await browser.newPage({ viewport: DESKTOP });
    try {
      await page.goto(server.url);
      await page
        .locator('#decide')
        .getByText(/marked ·/)
        .waitFor();
      await page.getByTestId('plan-review').click();
      await page.getByTestId('plan-summary').getByText(`${PAIRS} files in ${PAIRS} groups`).waitFor();
      await page.getByTestId('apply-start').click();
      // The first file is done, the apply goes on: stop the server now.
      await page.locator('[data-testid="apply-step"][data-outcome="done"]').first().waitFor();
      await page.locator('[data-testid="apply-progress"][data-state="running"]').waitFor();
      await screenshot(page, 'apply-progress');
      expect(await server.stop('SIGTERM'), server.stderr()).toBe(143);
    } finally {
      await page.close();
      await server.stop('SIGKILL');
    }

    // Cut short: some pairs are done, some not.
    const stopped = filesUnder(dir.path('t'));
    expect(stopped.size).toBeGreaterThan(PAIRS);
    expect(stopped.size).toBeLessThan(2 * PAIRS);

    const resume = spawn(process.execPath, [BIN, 'apply', '--resume', '--catalog', catalog], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    resume.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(resume, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);

    // Each pair: one copy where it was, the other's bytes in the quarantine; not a content lost.
    const after = filesUnder(dir.path('t'));
    const quarantined = filesUnder(dir.path('data/nodupe/quarantine'));
    expect(after.size).toBe(PAIRS);
    expect(quarantined.size).toBe(PAIRS);
    for (let i = 0; i < PAIRS; i++) {
      const pair = String(i).padStart(2, '0');
      const content = before.get(`${pair}/a`)!;
      const left = [`${pair}/a`, `${pair}/b`].filter((path) => after.has(path));
      expect(left, pair).toHaveLength(1);
      expect(after.get(left[0]!)).toBe(content);
    }
    expect([...quarantined.values()].sort()).toEqual([...after.values()].sort());
  });
});
