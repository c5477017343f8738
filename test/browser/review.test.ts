// The review page in a real browser, against `nodupe serve` started as a user starts it: scan a folder from the
// page, review the groups (largest reclaimable first), open one with the keyboard and see its image previews,
// mark by rule, protect a reference folder, mark and unmark by hand, build the plan, apply it, check the files on
// disk, undo, check again. And the server refuses requests without the token, or for another Host.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/core/format.js';
import { scratch } from '../helpers/tree.js';
import { makeImages, photoTree } from './fixtures.js';
import {
  browserAvailable,
  DESKTOP,
  filesUnder,
  imagesLoaded,
  launchBrowser,
  openPrinted,
  PHONE,
  rawRequest,
  screenshot,
  serverEnv,
  startServer,
  userFolder,
  type Served,
} from './harness.js';

/** An attribute of every element the locator finds, in order. */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

describe.skipIf(!browserAvailable())('the review page, end to end', () => {
  let dir: ReturnType<typeof scratch>;
  /** The scanned folder, `…/home/ann/Pictures`. */
  let pictures: ReturnType<typeof userFolder>;
  let tree: Record<string, Buffer>;
  let browser: Browser;
  let server: Served;
  let page: Page;
  /** The tree as it was made: relative path → SHA-256. */
  let before: Map<string, string>;
  /** The login URL the first page was sent to (its ticket spent by it). */
  let spentLogin: string;
  /** Uncaught errors in the page: a bug of the page, whatever the screen shows. */
  const pageErrors: string[] = [];
  /** Every URL the page asked for: all of them nodupe's own (no fonts, scripts or icons from elsewhere). */
  const requested = new Set<string>();

  beforeAll(async () => {
    dir = scratch();
    tree = photoTree(await makeImages());
    pictures = userFolder(dir.root, 'Pictures');
    for (const [path, content] of Object.entries(tree)) {
      mkdirSync(dirname(join(pictures.path, path)), { recursive: true });
      writeFileSync(join(pictures.path, path), content);
    }
    before = filesUnder(pictures.path);
    [browser, server] = await Promise.all([
      launchBrowser(),
      startServer(dir.path('catalog.db'), serverEnv(dir.root)),
    ]);
    page = await browser.newPage({ viewport: DESKTOP });
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message));
    page.on('request', (request) => requested.add(request.url()));
  });
  afterAll(async () => {
    await browser.close();
    // Stopped as a service manager stops it: a clean end, 143.
    const code = await server.stop('SIGTERM');
    pictures.remove();
    dir.remove();
    expect(code, server.stderr()).toBe(143);
  });

  /** A member row of the open group, by the end of its path. */
  const member = (path: string, role?: 'keeper' | 'action') =>
    page
      .locator(`[data-testid="member-row"]${role ? `[data-role="${role}"]` : ''}`)
      .filter({ hasText: `/Pictures/${path}` });

  it('scans, reviews, marks, applies and undoes, with the files on disk as the page says', async () => {
    // The printed page sends the browser on with a login ticket, which signs it in; the page takes the ticket
    // off its URL at once.
    spentLogin = /url=(http:[^"]+)"/.exec(readFileSync(fileURLToPath(server.url), 'utf8'))![1]!;
    await openPrinted(page, server);
    await page.getByTestId('scan-path').waitFor();
    expect(page.url()).toBe(`${server.origin}/`);
    expect(await page.evaluate("localStorage.getItem('nodupe-session')")).toMatch(/^[\w-]{43}$/);
    expect(await page.context().cookies()).toEqual([]);

    // Scan the tree from the page.
    await page.getByTestId('scan-path').fill(pictures.path);
    await page.getByTestId('scan-start').click();
    await page.locator('[data-testid="job-status"][data-state="done"]').waitFor();

    // Three groups (the resized photo has other bytes: no group), the largest reclaimable first.
    const rows = page.getByTestId('group-row');
    await rows.nth(2).waitFor();
    const copies = new Map<number, number>();
    for (const content of Object.values(tree))
      copies.set(content.length, (copies.get(content.length) ?? 0) + 1);
    const expected = [tree['photos/beach.jpg']!, tree['photos/logo.png']!, tree['docs/notes.txt']!].map(
      (content) => content.length,
    );
    const reclaimable = (size: number) => size * (copies.get(size)! - 1);
    expect(expected.map(reclaimable)).toEqual(expected.map(reclaimable).sort((a, b) => b - a));
    const keys = await attributes(rows, 'data-key');
    expect(keys.map((key) => Number(key?.split(':')[0]))).toEqual(expected);
    // The plan the page builds once the scan is done.
    await page
      .locator('#decide')
      .getByText(/marked ·/)
      .waitFor();
    // No rule chosen yet: the picker says so, and the plan line tells how the plan keeps.
    expect(await page.getByTestId('rule-select').inputValue()).toBe('');
    await page.locator('#decide').getByText('Keeps the first path of each group').waitFor();
    const review = page.getByTestId('plan-review');
    const reviewAt = await review.boundingBox();
    await screenshot(page, 'group-list', 'groups');

    // On a phone the marking tools and the filters wait behind a toggle: the groups start high on the screen.
    await page.setViewportSize(PHONE);
    await expect.poll(() => page.getByTestId('rule-select').isVisible()).toBe(false);
    // (The rows are drawn again as the list resizes: read the first one once it is there.)
    await expect
      .poll(async () => (await rows.first().boundingBox())?.y ?? PHONE.height)
      .toBeLessThan(PHONE.height * 0.4);
    await screenshot(page, 'group-list-phone', 'phone');
    const toggle = page.getByRole('button', { name: 'Filters & marks' });
    await toggle.click();
    await page.getByTestId('rule-select').waitFor();
    expect(await page.getByPlaceholder('Path glob, e.g. **/*.jpg').isVisible()).toBe(true);
    await toggle.click();
    await page.getByTestId('rule-select').waitFor({ state: 'hidden' });
    await page.setViewportSize(DESKTOP);

    // Enter opens the first group: the photo, its two copies with thumbnails made by the server.
    const thumbnail = page.waitForResponse((r) => /\/files\/\d+\/thumb/.test(r.url()));
    await page.getByTestId('group-list').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('group-detail').waitFor();
    expect((await thumbnail).headers()['content-type']).toBe('image/webp');
    await imagesLoaded(page, '[data-testid="member-row"] [data-testid="thumb"]', 2);

    // Mark by rule: keep the copies in photos/.
    await page.getByTestId('rule-select').selectOption('prefer');
    await page.getByTestId('rule-folder').fill(join(pictures.path, 'photos'));
    await page.getByTestId('rule-apply').click();
    await member('photos/beach.jpg', 'keeper').filter({ hasText: 'inside over outside' }).waitFor();
    await member('backup/beach.jpg', 'action').waitFor();
    await page.locator('#decide').getByText('Keeps the one in').waitFor();
    // The folder box appeared: the decide bar keeps its one row, the plan's button stays where it was.
    expect(await review.boundingBox()).toEqual(reviewAt);
    // Side by side, the thumbnails show at their own size (at most 256 px), never scaled up.
    await imagesLoaded(page, '[data-testid="compare"] [data-testid="thumb"]', 2);
    const sizes = await page
      .getByTestId('compare')
      .getByTestId('thumb')
      .evaluateAll((images) =>
        images.map((image) => {
          const img = image as unknown as { naturalWidth: number; clientWidth: number };
          return [img.naturalWidth, img.clientWidth];
        }),
      );
    for (const [natural, shown] of sizes) {
      expect(natural).toBeLessThanOrEqual(256);
      expect(shown).toBe(natural);
    }
    await screenshot(page, 'group-images', 'group');

    // The text group (the third): a reference folder protects docs/.
    await page.keyboard.press('Escape');
    await page.getByTestId('group-list').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await attributes(rows, 'aria-selected')).toEqual(['false', 'false', 'true']);
    await page.keyboard.press('Enter');
    await member('docs/notes.txt').waitFor();
    await expect
      .poll(() => page.getByTestId('text-preview').first().textContent())
      .toContain('Shopping list');
    await page.getByTestId('reference-input').fill(join(pictures.path, 'docs'));
    await page.getByTestId('reference-add').click();
    await member('docs/notes.txt', 'keeper').filter({ hasText: 'protected' }).waitFor();
    await member('backup/notes.txt', 'action').waitFor();
    // The reference folder's chip goes on a row of its own: the plan's button does not move.
    await page.locator('#decide').getByText(join(pictures.path, 'docs')).waitFor();
    expect(await review.boundingBox()).toEqual(reviewAt);

    // The PNG group (the second): Space keeps old/logo.png, marks it again, and keeps it.
    await page.keyboard.press('Escape');
    await page.getByTestId('group-list').focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await member('photos/logo.png', 'keeper').waitFor();
    await member('backup/logo.png', 'action').waitFor();
    const old = member('old/logo.png', 'action');
    const oldId = await old.getAttribute('data-file-id');
    const row = (role: string) =>
      page.locator(`[data-testid="member-row"][data-file-id="${oldId}"][data-role="${role}"]`);
    for (const role of ['keeper', 'action', 'keeper']) {
      await page.locator(`[data-testid="member-row"][data-file-id="${oldId}"]`).focus();
      await page.keyboard.press('Space');
      await row(role).waitFor();
      expect(await row(role).getByTestId('member-mark').isChecked()).toBe(role === 'action');
    }

    // The plan: one copy in each group goes to quarantine; nothing is irreversible.
    await page.getByTestId('plan-review').click();
    const summary = page.getByTestId('plan-summary');
    await summary.waitFor();
    const text = await summary.textContent();
    expect(text).toContain('3 files in 3 groups go to quarantine');
    expect(text).toContain('Every action can be undone');
    // The command to empty the quarantine shows as code, not in backticks.
    expect(await summary.locator('code').textContent()).toBe('nodupe quarantine purge');
    expect(text).not.toContain('`');
    await screenshot(page, 'plan-summary', 'plan');
    // The plan downloads with the page's session (a plain link could not send it).
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the plan' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^nodupe-plan-[\w-]+\.json$/);
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      groups: { actions: unknown[] }[];
    };
    expect(saved.groups.flatMap((group) => group.actions)).toHaveLength(3);

    // Apply it, and watch it end.
    await page.getByTestId('apply-start').click();
    await page.locator('[data-testid="apply-result"][data-state="done"]').waitFor();
    const steps = page.getByTestId('apply-step');
    expect(await steps.count()).toBe(3);
    expect(await attributes(steps, 'data-outcome')).toEqual(['done', 'done', 'done']);
    const moved = ['backup/beach.jpg', 'backup/logo.png', 'backup/notes.txt'].reduce(
      (sum, path) => sum + tree[path]!.length,
      0,
    );
    expect(await page.getByTestId('apply-result').textContent()).toContain(
      `Run 1: 3 files moved to quarantine (${formatBytes(moved)}), 0 skipped`,
    );
    await screenshot(page, 'apply-result');

    // On disk: the three copies left their folders for the quarantine, whole; the rest is untouched.
    const acted = ['backup/beach.jpg', 'backup/logo.png', 'backup/notes.txt'];
    const after = filesUnder(pictures.path);
    expect([...after.keys()].sort()).toEqual(
      [...before.keys()].filter((path) => !acted.includes(path)).sort(),
    );
    for (const [path, hash] of after) expect(hash, path).toBe(before.get(path));
    const quarantined = filesUnder(dir.path('data/nodupe/quarantine'));
    expect([...quarantined.values()].sort()).toEqual(acted.map((path) => before.get(path)).sort());
    expect(readFileSync(join(pictures.path, 'old/logo.png')).equals(tree['old/logo.png']!)).toBe(true);

    // Undo the run: everything back where it was, the same bytes, the quarantine empty.
    await page.getByTestId('undo-start').click();
    const undone = page.locator('[data-testid="undo-result"][data-state="done"]');
    await undone.waitFor();
    // The page then makes a new plan from the same choices: the four copies the rule and the reference folder
    // mark (the marks made by hand went with the plan that ran).
    await page.locator('#decide').getByText('4 files marked').waitFor();
    expect(await undone.textContent()).toContain('Undone: 3 files back in place');
    // The runs, as a table: run, when, plan, state, what happened, undoable.
    const run = page.getByTestId('runs').locator('tbody tr');
    const cells = await run.locator('td').allTextContents();
    expect([cells[0], cells[3], cells[4], cells[5]]).toEqual(['1', 'undone', '3 undone', 'no']);
    await undone.scrollIntoViewIfNeeded();
    await screenshot(page, 'undo-result', 'undo');
    expect(filesUnder(pictures.path)).toEqual(before);
    expect(filesUnder(dir.path('data/nodupe/quarantine')).size).toBe(0);
    expect(pageErrors).toEqual([]);
    // Thumbnails show from blobs the page made of what the server sent.
    expect(
      [...requested].filter(
        (url) =>
          url !== server.url &&
          !url.startsWith(`${server.origin}/`) &&
          !url.startsWith(`blob:${server.origin}/`),
      ),
    ).toEqual([]);
    // No request carried a secret in its URL.
    expect([...requested].filter((url) => /login=|token=/.test(url) || url.includes(server.token))).toEqual(
      [],
    );
  });

  it('the printed page signs in another browser too; a spent login URL asks for the token, which signs in', async () => {
    const other = await browser.newPage({ viewport: DESKTOP });
    try {
      await openPrinted(other, server);
      await other.getByTestId('group-row').first().waitFor();
    } finally {
      await other.close();
    }
    // The login URL the first page used, as the browser's history keeps it: spent.
    const again = await browser.newPage({ viewport: DESKTOP });
    try {
      await again.goto(spentLogin);
      const form = again.getByTestId('sign-in');
      await form.waitFor();
      expect(again.url()).toBe(`${server.origin}/`);
      await again
        .getByTestId('sign-in-error')
        .getByText(/opens the page once/)
        .waitFor();
      await again.getByTestId('sign-in-token').fill('not-the-token');
      await again.getByTestId('sign-in-submit').click();
      await again
        .getByTestId('sign-in-error')
        .getByText(/Not accepted/)
        .waitFor();
      await again.getByTestId('sign-in-token').fill(server.token);
      await again.getByTestId('sign-in-submit').click();
      await again.getByTestId('group-row').first().waitFor();
      expect(await form.isHidden()).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('a session the server refuses (it restarted, or another program took its port) makes the page ask for no token', async () => {
    const stale = await browser.newPage({ viewport: DESKTOP });
    try {
      await stale.addInitScript("localStorage.setItem('nodupe-session', 'a-session-of-a-server-gone')");
      const posted: string[] = [];
      stale.on('request', (request) => {
        if (request.method() === 'POST') posted.push(new URL(request.url()).pathname);
      });
      await stale.goto(`${server.origin}/`);
      const error = stale.getByTestId('error');
      await error.getByText('nodupe serve no longer accepts this page.').waitFor();
      expect(await error.textContent()).toContain('Do not type its token into this page');
      expect(await stale.getByTestId('sign-in').isHidden()).toBe(true);
      expect(posted).not.toContain('/session');
      expect(await stale.evaluate("localStorage.getItem('nodupe-session')")).toBeNull();
    } finally {
      await stale.close();
    }
  });

  it('a page of another local server (another port) cannot use the session: it is no cookie', async () => {
    const session = await page.evaluate("localStorage.getItem('nodupe-session')");
    expect(session).not.toBeNull();
    // What another port would get from the browser: no cookie at all, so a request with none is refused.
    expect(await page.context().cookies()).toEqual([]);
    const refused = await rawRequest(server.origin, '/events', {
      headers: { 'Sec-Fetch-Site': 'same-site' },
    });
    expect(refused.status).toBe(403);
  });

  it('refuses a request without the token (401), for another Host or from another origin (403)', async () => {
    for (const path of ['/', '/assets/app.js']) {
      expect((await rawRequest(server.origin, path)).status, path).toBe(200);
    }
    for (const path of ['/events', '/files/1/thumb', '/report.json']) {
      expect((await rawRequest(server.origin, path)).status, path).toBe(401);
    }
    const rpc = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stats', params: {} });
    const json = { 'Content-Type': 'application/json' };
    const post = (headers: Record<string, string>) =>
      rawRequest(server.origin, '/rpc', { method: 'POST', headers: { ...json, ...headers }, body: rpc });
    expect((await post({})).status).toBe(401);
    expect((await post({ Authorization: 'Bearer not-the-token' })).status).toBe(401);
    const bearer = { Authorization: `Bearer ${server.token}` };
    // With the token all is well; the same request naming another host (DNS rebinding) or from a page of
    // another origin is refused.
    const ok = await post(bearer);
    expect(ok.status, ok.body).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    const port = new URL(server.origin).port;
    expect((await post({ ...bearer, Host: `attacker.example:${port}` })).status).toBe(403);
    expect(
      (await rawRequest(server.origin, '/', { headers: { ...bearer, Host: `attacker.example:${port}` } }))
        .status,
    ).toBe(403);
    expect((await post({ ...bearer, Origin: 'http://attacker.example' })).status).toBe(403);
    // The page's own origin may post.
    expect((await post({ ...bearer, Origin: server.origin })).status).toBe(200);
  });
});
