/** The Similar view's state, and its pure rules: what to ask for, what to show. No DOM, no network. */
import type { JobView } from '../serve/protocol.js';
import type {
  SimilarDetectorView,
  SimilarGroupsResult,
  SimilarMemberView,
  SimilarSubjectName,
} from '../serve/similar-protocol.js';

export interface SimilarState {
  subject: SimilarSubjectName;
  /** The preset chosen per subject (the detector's default until the user picks). */
  presets: Partial<Record<SimilarSubjectName, string>>;
  /** The detectors and their presets, as the server lists them (empty until loaded). */
  detectors: SimilarDetectorView[];
  /** The last `similar` job the page started or saw, per subject. */
  jobs: Partial<Record<SimilarSubjectName, string>>;
  /** The subject's latest result: its first pages, loaded so far. Undefined: none yet (or not loaded). */
  result: SimilarGroupsResult | undefined;
  loading: boolean;
  /** The group shown side by side, and which two of its members (the keeper and the next, until the user picks). */
  compare: { group: number; left: number; right: number } | undefined;
}

export function initialSimilarState(): SimilarState {
  return {
    subject: 'images',
    presets: {},
    detectors: [],
    jobs: {},
    result: undefined,
    loading: false,
    compare: undefined,
  };
}

export const SUBJECT_LABELS: Record<SimilarSubjectName, string> = {
  images: 'Pictures',
  docs: 'Documents',
};

/** Each preset in words: what it joins. */
export const PRESET_LABELS: Record<string, string> = {
  exact: 'Exact: the same picture or text',
  high: 'High: nearly the same',
  medium: 'Medium: edited copies',
  low: 'Low: loosely alike',
};

/** The preset the user chose for a subject, else the detector's default. */
export function chosenPreset(state: SimilarState, subject = state.subject): string | undefined {
  return state.presets[subject] ?? state.detectors.find((d) => d.subject === subject)?.defaultPreset;
}

/** The subject's running or last `similar` job, as the page knows it. */
export function similarJob(state: SimilarState, jobs: Record<string, JobView>): JobView | undefined {
  const id = state.jobs[state.subject];
  return id === undefined ? undefined : jobs[id];
}

/** "92 % alike": a member's score as a whole percentage, never 100 % unless identical to the keeper. */
export function percentAlike(member: Pick<SimilarMemberView, 'score' | 'distance'>): string {
  const percent = member.distance === 0 ? 100 : Math.min(99, Math.floor(member.score * 100));
  return `${percent} % alike`;
}

/** A member's distance in the detector's unit: "3 bits apart", "0.12 apart (1 − Jaccard)". */
export function formatDistance(distance: number, unit: SimilarGroupsResult['distanceUnit']): string {
  if (unit === 'bits') return `${distance} bit${distance === 1 ? '' : 's'} apart`;
  return `${Number(distance.toFixed(3))} apart (1 − Jaccard)`;
}
