import { FORMATS } from '../dupes/formats/index.js';
import { HASH_ALGORITHMS, HASH_DESCRIPTIONS } from '../hash/algorithms.js';
import { BUILTIN_RANKING_RULES } from '../plan/ranking-rules.js';
import { DOC_EXTENSIONS } from '../similar/docs/doc-formats.js';
import { docFingerprintUrl, imageFingerprintUrl } from '../similar/detector-url.js';
import { IMAGE_EXTENSIONS } from '../similar/images/image-formats.js';
import { PLUGIN_API_VERSION, type PluginDefinition } from './api.js';
import type { Candidate } from './host.js';

/**
 * The hashers, formats and keeper rules nodupe ships with, as plugins like any other: the host lists them,
 * and a third-party plugin adds to them (but cannot take a name they hold).
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition[] = [
  {
    name: 'nodupe.hashers',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: {
      // The hashing workers know these by name; the module field of a built-in hasher is never loaded.
      hashers: HASH_ALGORITHMS.map((name) => ({
        name,
        description: HASH_DESCRIPTIONS[name],
        module: 'nodupe:builtin',
      })),
    },
  },
  {
    name: 'nodupe.formats',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: { formats: Object.values(FORMATS) },
  },
  {
    name: 'nodupe.rules',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: { rules: [...BUILTIN_RANKING_RULES] },
  },
  {
    name: 'nodupe.detectors',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: {
      // The fingerprinting workers import these modules as they would a plugin's.
      detectors: [
        {
          name: 'images.phash',
          description:
            'pictures: perceptual hashes of the picture, its turns and flips and its centre; thumbnails',
          subject: 'images',
          extensions: [...IMAGE_EXTENSIONS],
          module: imageFingerprintUrl,
        },
        {
          name: 'docs.minhash',
          description:
            'documents: word 5-grams of their text (text, HTML, PDF, DOCX, ODT), MinHash, exact Jaccard',
          subject: 'docs',
          extensions: [...DOC_EXTENSIONS],
          module: docFingerprintUrl,
        },
      ],
    },
  },
];

export function builtinCandidates(): Candidate[] {
  return BUILTIN_PLUGINS.map((definition) => ({ definition, source: { kind: 'builtin' } }));
}
