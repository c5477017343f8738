/**
 * `--similarity` levels for images: the most bits two pictures' 64-bit hashes may differ by (turns and flips
 * allowed) to be near-duplicates. Chosen from distances measured on 133 real photos and wallpapers and 12 kinds
 * of edited copies (measure-presets.md):
 * - `exact`: the same picture, re-encoded or resized at most (most such copies are 0 bits apart).
 * - `high`: also brightened, greyscale, more saturated, recompressed hard, thumbnails, mirrored, turned;
 *   adjacent video frames and colour variants of one design can start to match.
 * - `medium` (the default): also a caption written over it, and about a third of 90 % crops; different shots of
 *   one scene (stereo pairs, burst frames) match when they differ little.
 * - `low`: also most 90 % crops, but more shots of the same scene (calibration boards, frames of one series).
 */
export const SIMILARITY_PRESETS = { exact: 0, high: 4, medium: 8, low: 12 } as const;

export type SimilarityPreset = keyof typeof SIMILARITY_PRESETS;

export const DEFAULT_SIMILARITY: SimilarityPreset = 'medium';
