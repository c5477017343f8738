import { builtinDetector } from '../similar/builtin-detectors.js';
import { detectorKey, type SimilarityDetector } from '../similar/detector.js';
import { SIMILAR_SUBJECTS, type SimilarDetectorView } from '../serve/similar-protocol.js';
import { invalidParams } from './errors.js';
import { describe, FOLDERS_MAX, Params, realFolders } from './params.js';

/** What a `similar` request asks for, checked. */
export interface SimilarRequest {
  detector: SimilarityDetector;
  maxDistance: number;
  /** The preset that chose `maxDistance`, when one did. */
  preset: string | undefined;
  /** Real absolute folders (none: the whole catalog). */
  roots: string[];
}

/** The built-in detector of a subject, as the CLI's default: turned and mirrored pictures match. */
const detectorOf = (subject: (typeof SIMILAR_SUBJECTS)[number]) =>
  builtinDetector(subject, { rotations: true });

/** The params of `similar`: the subject, the similarity (a preset or a distance), the folders. */
export function readSimilarRequest(raw: unknown): SimilarRequest {
  const p = new Params('similar', raw, ['subject', 'similarity', 'paths']);
  const subject = p.optionalChoice('subject', SIMILAR_SUBJECTS);
  if (subject === undefined)
    throw invalidParams(`similar: subject: expected one of ${SIMILAR_SUBJECTS.join(', ')}`);
  const detector = detectorOf(subject);
  const roots = realFolders('similar', p.optionalStrings('paths', FOLDERS_MAX) ?? []);
  const similarity = (raw as { similarity?: unknown }).similarity;
  return { detector, roots, ...threshold(detector, similarity) };
}

/** `similarity`: a preset's name, or a distance from 0 to the detector's largest (whole bits for pictures). */
function threshold(
  detector: SimilarityDetector,
  value: unknown,
): { maxDistance: number; preset: string | undefined } {
  const name = value ?? detector.defaultPreset;
  if (typeof name === 'string' && Object.hasOwn(detector.presets, name))
    return { maxDistance: detector.presets[name]!, preset: name };
  const bits = detector.distanceUnit === 'bits';
  if (
    typeof value !== 'number' ||
    !(value >= 0 && value <= detector.maxDistance) ||
    (bits && !Number.isInteger(value))
  ) {
    throw invalidParams(
      `similar: similarity: expected ${Object.keys(detector.presets).join(', ')}, or ${
        bits ? 'a whole number of bits' : 'a distance'
      } from 0 to ${detector.maxDistance}, received ${describe(value)}`,
    );
  }
  return { maxDistance: value, preset: undefined };
}

/** The built-in detectors and their presets, the most alike first. */
export function similarDetectors(): SimilarDetectorView[] {
  return SIMILAR_SUBJECTS.map((subject) => {
    const detector = detectorOf(subject);
    return {
      subject,
      detector: detectorKey(detector),
      description: detector.description,
      distanceUnit: detector.distanceUnit,
      presets: Object.entries(detector.presets)
        .map(([name, maxDistance]) => ({ name, maxDistance }))
        .sort((a, b) => a.maxDistance - b.maxDistance),
      defaultPreset: detector.defaultPreset,
      maxDistance: detector.maxDistance,
    };
  });
}
