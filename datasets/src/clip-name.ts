import * as path from 'path';
import type { ClipRecord, Split } from './dataset';

/** The parts of a TAU Urban Acoustic Scenes file name. */
export interface ClipName {
  /** The original 10-scene label, e.g. 'bus'. */
  scene: string;
  city: string;
  /** Recording location, 'city-location' as in meta.csv's identifier column. */
  location: string;
  segment: string;
  /** Recording device, e.g. 'a'. */
  source: string;
}

/**
 * Splits '[dir/]<scene>-<city>-<location>-<segment>-<device>.<ext>' into its parts;
 * undefined for any other name (a dataset may name its files freely).
 */
export function parseClipName(file: string): ClipName | undefined {
  const match = /^(?:.*\/)?([a-z_]+)-([a-z_]+)-(\d+)-(\d+)-([a-z0-9]+)\.[a-z0-9]+$/i.exec(file);
  if (!match) return undefined;
  const [, scene, city, location, segment, source] = match;
  return { scene, city, location: `${city}-${location}`, segment, source };
}

/**
 * The name of the recording a file is a numbered piece of: its stem without a trailing
 * separator and number ('forest_walk-03.flac' -> 'forest_walk', '100032-3-0-0.wav' ->
 * '100032-3-0'); undefined when the stem does not end that way.
 */
export function numberedStem(file: string): string | undefined {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const match = /^(.*[^-_. ])[-_. ]+\d+$/.exec(stem);
  return match?.[1];
}

/**
 * The record of `file` (relative to `root`) with what its name tells when it follows the
 * TAU pattern (scene, city, and location and device unless `known` gives them).
 */
export function clipRecord(
  root: string,
  file: string,
  label: { label: string; classIndex: number },
  known: { split: Split; location?: string | null; source?: string | null },
): ClipRecord {
  const name = parseClipName(file);
  return {
    file,
    path: path.join(root, file),
    ...label,
    split: known.split,
    inTest: false,
    scene: name?.scene ?? null,
    city: name?.city ?? null,
    location: known.location !== undefined ? known.location : (name?.location ?? null),
    source: known.source ?? name?.source ?? null,
  };
}
