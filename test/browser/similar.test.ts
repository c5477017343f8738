// The Similar view in a real browser, against `nodupe serve` started as a user starts it: a photo and its resized
// copy (other bytes, the same picture) found as one group, with their thumbnails, the distance and "% alike", the
// one to keep marked, and the two side by side; every control reached with the keyboard.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { scratch } from '../helpers/tree.js';
import { makeImages } from './fixtures.js';
import {
  browserAvailable,
  DESKTOP,
  imagesLoaded,
  launchBrowser,
  openPrinted,
  screenshot,
  SCREENSHOTS,
  serverEnv,
  startServer,
  userFolder,
  type Served,
} from './harness.js';

/** Where the task's notes keep the view's picture, when that folder exists. */
const NOTES_SCREENSHOT = process.env.NODUPE_NOTES_SCREENSHOT;

describe.skipIf(!browserAvailable())('the Similar view', () => {
  let dir: ReturnType<typeof scratch>;
  let pictures: ReturnType<typeof userFolder>;
  let browser: Browser;
  let server: Served;
  let page: Page;
  const pageErrors: string[] = [];
  const requested = new Set<string>();

  beforeAll(async () => {
    dir = scratch();
    pictures = userFolder(dir.root, 'Pictures');
    const images = await makeImages();
    const tree = {
      'photos/beach.jpg': images.jpeg,
      'phone/beach-small.jpg': images.jpegSmall,
      'photos/logo.png': images.png,
    };
    for (const [path, content] of Object.entries(tree)) {
      mkdirSync(dirname(join(pictures.path, path)), { recursive: true });
      writeFileSync(join(pictures.path, path), content);
    }
    const env = serverEnv(dir.root);
    const catalog = dir.path('catalog.db');
    const scanned = await runCli(['scan', '--catalog', catalog, '--no-progress', pictures.path], { env });
    expect(scanned.code, scanned.stderr).toBe(0);
    [browser, server] = await Promise.all([launchBrowser(), startServer(catalog, env)]);
    page = await browser.newPage({ viewport: DESKTOP });
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('request', (request) => requested.add(request.url()));
  });
  afterAll(async () => {
    await browser.close();
    const code = await server.stop('SIGTERM');
    pictures.remove();
    dir.remove();
    expect(code, server.stderr()).toBe(143);
  });

  it('finds the photo and its resized copy, shows the distance, the one to keep, and the two side by side', async () => {
    await openPrinted(page, server);
    // Reached with the keyboard: Tab to the view's button, Enter opens it.
    const focused = () => page.evaluate('document.activeElement?.dataset?.testid');
    await page.getByTestId('similar-open').waitFor();
    for (let tab = 0; tab < 20 && (await focused()) !== 'similar-open'; tab++)
      await page.keyboard.press('Tab');
    expect(await focused()).toBe('similar-open');
    await page.keyboard.press('Enter');
    await page.getByTestId('similar-view').waitFor();
    await page.getByTestId('similar-status').getByText('Not run yet').waitFor();
    // Pictures, at the detector's default level (its presets, from the server).
    expect(await page.getByTestId('similar-subject-images').isChecked()).toBe(true);
    // The presets arrive from the server after the view opens: wait for them, then read the choice.
    await page.getByTestId('similar-level').locator('option[value="medium"]').waitFor({ state: 'attached' });
    expect(await page.getByTestId('similar-level').inputValue()).toBe('medium');
    const options = await page.getByTestId('similar-level').locator('option').all();
    expect(await Promise.all(options.map((option) => option.getAttribute('value')))).toEqual([
      'exact',
      'high',
      'medium',
      'low',
    ]);

    // Run: the job's progress shows as the scan's, then the group.
    const thumbnail = page.waitForResponse((r) => /\/files\/\d+\/thumb/.test(r.url()));
    await page.getByTestId('similar-run').click();
    const group = page.getByTestId('similar-group');
    await group.waitFor();
    expect((await thumbnail).headers()['content-type']).toBe('image/webp');
    await expect.poll(() => group.count()).toBe(1);
    await page
      .getByTestId('similar-status')
      .getByText(/1 group · frees .* · 3 files compared · 1 file like no other/)
      .waitFor();
    const members = group.getByTestId('similar-member');
    await expect.poll(() => members.count()).toBe(2);
    // The larger file is the one to keep; the copy says how far it is, and how alike.
    expect(await members.nth(0).textContent()).toContain('/Pictures/photos/beach.jpg');
    expect(await members.nth(0).getAttribute('data-keep')).toBe('true');
    expect(await members.nth(0).textContent()).toContain('Keep');
    expect(await members.nth(1).textContent()).toContain('/Pictures/phone/beach-small.jpg');
    expect(await members.nth(1).getAttribute('data-keep')).toBeNull();
    expect(await members.nth(1).getByTestId('similar-distance').textContent()).toMatch(
      /^\d+ bits? apart · \d+ % alike$/,
    );
    await imagesLoaded(page, '[data-testid="similar-member"] [data-testid="thumb"]', 2);

    // Enter on the copy shows it side by side with the one to keep.
    await members.nth(1).focus();
    await page.keyboard.press('Enter');
    const compare = page.getByTestId('similar-compare');
    await compare.waitFor();
    await imagesLoaded(page, '[data-testid="similar-compare"] [data-testid="thumb"]', 2);
    const sides = compare.getByTestId('similar-compare-side');
    expect(await sides.nth(0).textContent()).toContain('photos/beach.jpg');
    expect(await sides.nth(1).textContent()).toContain('phone/beach-small.jpg');
    expect(await sides.nth(1).textContent()).toMatch(/\d+ bits? apart · \d+ % alike/);
    await screenshot(page, 'similar', 'similar');
    if (NOTES_SCREENSHOT) copyFileSync(join(SCREENSHOTS, 'similar.png'), NOTES_SCREENSHOT);

    // Escape goes back to the groups list.
    await page.keyboard.press('Escape');
    await page.getByTestId('similar-view').waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
    expect(
      [...requested].filter(
        (url) => !url.startsWith(`${server.origin}/`) && !url.startsWith('file:') && !url.startsWith('blob:'),
      ),
    ).toEqual([]);
  });
});
