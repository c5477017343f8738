// `similar` as a job of `nodupe serve`: a real catalog of generated pictures, the job's progress and result, its
// groups paged by `similar.groups`, a cancel, and the same rules as a scan (one mutating job at a time).
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import { FakeClock } from '../core/fake-clock.js';
import { builtinCandidates } from '../plugins/builtins.js';
import { PluginHost } from '../plugins/host.js';
import { scan } from '../scan/scan.js';
import type { EventBody, JobView } from '../serve/protocol.js';
import { jobFinished, refusal } from '../../test/helpers/service.js';
import { scratch } from '../../test/helpers/tree.js';
import { Service } from './service.js';
import { picture } from '../../test/helpers/pictures.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/**
 * Pictures scanned into a real catalog: three groups of a picture and its smaller JPEG copy (`p/N.png`,
 * `p/N-small.jpg`), a picture like no other, a file that is no picture, and a text file the detector does not read.
 */
async function setUp() {
  const dir = scratch();
  for (const seed of [1, 2, 3]) {
    const original = await picture(seed);
    dir.write(`p/${seed}.png`, original);
    dir.write(`p/${seed}-small.jpg`, await sharp(original).resize(160).jpeg({ quality: 70 }).toBuffer());
  }
  dir.write(
    'p/alone.png',
    await sharp(await picture(4))
      .negate()
      .png()
      .toBuffer(),
  );
  dir.write('p/broken.jpg', 'not a picture');
  dir.write('p/notes.txt', 'not looked at');
  dir.write('q/elsewhere.png', await picture(1));
  dir.write('q/2-again.png', await picture(2));
  const catalogPath = dir.path('catalog.db');
  const catalog = SqliteCatalog.open(catalogPath);
  await scan({ roots: [dir.path('p'), dir.path('q')], catalog, threads: 1 });
  catalog.close();
  const clock = new FakeClock({ wallNow: Date.UTC(2026, 5, 1) });
  const plugins = new PluginHost({ clock });
  await plugins.start(builtinCandidates());
  const service = await Service.open({
    catalogPath,
    env: {},
    clock,
    dataDir: dir.path('data'),
    plugins,
    scanThreads: 1,
  });
  const events: EventBody[] = [];
  service.events.on((e) => events.push(e));
  close = async () => {
    await service.close();
    await plugins.stop();
    dir.remove();
  };
  const finished = (job: JobView): Promise<JobView> => jobFinished(service, job);
  return { dir, service, events, finished };
}

const name = (path: { text: string }) => path.text.split('/').slice(-2).join('/');

describe('similar, as a job of the service', () => {
  it('finds a picture and its smaller copy in every group, with progress; similar.groups pages them, largest reclaimable first', async () => {
    const { dir, service, events, finished } = await setUp();
    const job = await service.call('similar', { subject: 'images', paths: [dir.path('p')] });
    expect(job).toMatchObject({
      kind: 'similar',
      state: 'running',
      title: `similar images in ${dir.path('p')}`,
    });
    const done = await finished(job);
    expect(done).toMatchObject({
      state: 'done',
      result: {
        subject: 'images',
        preset: 'medium',
        maxDistance: 8,
        groups: 3,
        files: 8,
        unique: 1,
        problems: 1,
      },
    });
    // The fingerprint phase counted every file the detector reads, as a scan's phases do.
    const progress = events.filter((e) => e.type === 'job.progress' && e.jobId === job.id);
    expect(progress.at(-1)).toMatchObject({
      progress: { phases: [{ name: 'fingerprint', items: 8, itemsTotal: 8 }] },
    });

    const first = await service.call('similar.groups', { subject: 'images', limit: 2 });
    expect(first).toMatchObject({ total: 3, stale: false, unique: 1, problemCount: 1, distanceUnit: 'bits' });
    expect(first.problems).toEqual([
      { path: { text: dir.path('p/broken.jpg') }, reason: expect.stringMatching(/^not an image/) as string },
    ]);
    expect(first.groups).toHaveLength(2);
    const second = await service.call('similar.groups', { subject: 'images', cursor: first.next! });
    expect(second.next).toBeNull();
    const groups = [...first.groups, ...second.groups];
    expect(groups.map((g) => g.index)).toEqual([0, 1, 2]);
    const reclaimable = groups.map((g) => g.reclaimable);
    expect(reclaimable).toEqual([...reclaimable].sort((a, b) => b - a));
    expect(first.reclaimable).toBe(reclaimable.reduce((a, b) => a + b));
    for (const group of groups) {
      const [keeper, copy] = group.members;
      // The larger file is the one to keep; its copy is a few bits away.
      const seed = name(keeper!.paths[0]!).replace(/^p\/(\d)\.png$/, '$1');
      expect(group.members.map((m) => name(m.paths[0]!))).toEqual([`p/${seed}.png`, `p/${seed}-small.jpg`]);
      expect(keeper).toMatchObject({ keep: true, distance: 0, score: 1, kind: 'image' });
      expect(copy).toMatchObject({ keep: false, kind: 'image' });
      expect(copy!.distance).toBeLessThanOrEqual(8);
      expect(copy!.score).toBeGreaterThan(0.8);
      // The id is the catalog row's: the previews show it.
      expect(service.fileForPreview(copy!.id)?.path).toBe(dir.path(`p/${seed}-small.jpg`));
    }
    // Only the folders asked for: the copy in q/ is not in any group.
    expect(JSON.stringify(groups)).not.toContain('elsewhere');
  });

  it('pages the latest result of each subject; an older cursor is refused; none yet is NOT_FOUND', async () => {
    const { service, finished } = await setUp();
    expect((await refusal(service.call('similar.groups', { subject: 'images' }))).code).toBe('NOT_FOUND');
    await finished(await service.call('similar', { subject: 'images', similarity: 'exact' }));
    const exact = await service.call('similar.groups', { subject: 'images', limit: 1 });
    expect(exact).toMatchObject({ preset: 'exact', maxDistance: 0 });
    expect(exact.next).not.toBeNull();
    // At `exact`, the same picture in another folder is in the group of 1.png (the whole catalog was compared).
    const all = await service.call('similar.groups', { subject: 'images' });
    const ones = all.groups.find((g) => g.members.some((m) => name(m.paths[0]!) === 'p/1.png'))!;
    expect(ones.members.map((m) => name(m.paths[0]!))).toContain('q/elsewhere.png');
    expect(all.groups.flatMap((g) => g.members).every((m) => m.distance === 0)).toBe(true);
    await finished(await service.call('similar', { subject: 'images', similarity: 8 }));
    const page = await service.call('similar.groups', { subject: 'images', limit: 1 });
    expect(page).toMatchObject({ preset: null, maxDistance: 8, total: 3 });
    const again = await service.call('similar', { subject: 'images' });
    await finished(again);
    const stale = await refusal(service.call('similar.groups', { subject: 'images', cursor: page.next! }));
    expect(stale.code).toBe('BAD_INPUT');
    expect(stale.message).toContain('start from the first page');
    expect((await refusal(service.call('similar.groups', { subject: 'docs' }))).code).toBe('NOT_FOUND');
  });

  it('a cancelled job keeps no result, and frees the service for the next job', async () => {
    const { dir, service, finished } = await setUp();
    const job = await service.call('similar', { subject: 'images' });
    const cancelled = await service.call('job.cancel', { id: job.id });
    expect(cancelled).toMatchObject({ state: 'cancelled', error: { code: 'ABORT_ERR' } });
    expect((await refusal(service.call('similar.groups', { subject: 'images' }))).code).toBe('NOT_FOUND');
    expect(await finished(await service.call('scan', { paths: [dir.path('p')] }))).toMatchObject({
      state: 'done',
    });
  });

  it('runs one mutating job at a time: a scan waits for it, and a second similar is BUSY', async () => {
    const { dir, service, finished } = await setUp();
    const job = await service.call('similar', { subject: 'images' });
    expect((await refusal(service.call('scan', { paths: [dir.path('p')] }))).code).toBe('BUSY');
    const busy = await refusal(service.call('similar', { subject: 'docs' }));
    expect(busy.code).toBe('BUSY');
    expect(busy.message).toContain(job.id);
    // Reads go on meanwhile.
    expect((await service.call('stats', {})).files).toBe(11);
    expect(await finished(job)).toMatchObject({ state: 'done' });
  });

  it('refuses bad params before anything starts, naming the presets', async () => {
    const { dir, service } = await setUp();
    const bad = [
      { subject: 'videos' },
      { subject: 'images', similarity: 'fuzzy' },
      { subject: 'images', similarity: 2.5 },
      { subject: 'images', similarity: 65 },
      { subject: 'images', paths: Array.from({ length: 257 }, () => dir.path('p')) },
      { subject: 'images', colour: 'red' },
    ];
    for (const params of bad)
      expect((await refusal(service.call('similar', params as never))).code).toBe('USAGE');
    const preset = await refusal(service.call('similar', { subject: 'images', similarity: 'fuzzy' }));
    expect(preset.message).toBe(
      'similar: similarity: expected exact, high, medium, low, or a whole number of bits from 0 to 16, received "fuzzy"',
    );
    expect((await refusal(service.call('similar', { subject: 'docs', paths: ['relative'] }))).code).toBe(
      'BAD_INPUT',
    );
    expect(
      (await refusal(service.call('similar', { subject: 'docs', paths: [dir.path('nowhere')] }))).code,
    ).toBe('BAD_INPUT');
    expect((await refusal(service.call('similar.groups', { subject: 'images', limit: 101 }))).code).toBe(
      'USAGE',
    );
    expect(await service.call('jobs', {})).toEqual([]);
  });

  it('lists the detectors with their presets, the most alike first', async () => {
    const { service } = await setUp();
    const [images, docs] = await service.call('similar.detectors', {});
    expect(images).toMatchObject({
      subject: 'images',
      detector: 'images.phash/1',
      distanceUnit: 'bits',
      defaultPreset: 'medium',
      presets: [
        { name: 'exact', maxDistance: 0 },
        { name: 'high', maxDistance: 4 },
        { name: 'medium', maxDistance: 8 },
        { name: 'low', maxDistance: 12 },
      ],
    });
    expect(docs).toMatchObject({ subject: 'docs', distanceUnit: '1 - Jaccard' });
    expect(docs!.presets.map((p) => p.name)).toEqual(['exact', 'high', 'medium', 'low']);
  });
});
