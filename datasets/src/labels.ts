/**
 * Scene labels. A dataset's classes come from its data (meta.csv's labels, or the class
 * folders); these are the two label sets of TAU Urban Acoustic Scenes 2020, which the
 * synthetic generator writes and the reader knows the relation between.
 */

/** The three classes of TAU Urban Acoustic Scenes 2020 3Class: the paper's task. */
export type SceneLabel = 'indoor' | 'outdoor' | 'transportation';

/** The 3Class task's classes, in class-index order (the index a model's output uses). */
export const SCENE_LABELS: readonly SceneLabel[] = ['indoor', 'outdoor', 'transportation'];

/**
 * The ten scenes of TAU Urban Acoustic Scenes 2020 (Mobile and 3Class: the file-name
 * prefix) and the 3Class class each was merged into. (The synthetic generator draws from
 * this order: it is not class-index order, see TAU_SCENES.)
 */
export const SCENE_CLASS: Readonly<Record<string, SceneLabel>> = {
  airport: 'indoor',
  shopping_mall: 'indoor',
  metro_station: 'indoor',
  park: 'outdoor',
  public_square: 'outdoor',
  street_pedestrian: 'outdoor',
  street_traffic: 'outdoor',
  bus: 'transportation',
  metro: 'transportation',
  tram: 'transportation',
};

/**
 * Class-index order of a set of labels: by code point, so it depends on nothing but the
 * names (not on the locale, nor on the order files are listed in). Both TAU label sets
 * are already in this order.
 */
export function orderLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A count per class, every class present. */
export type LabelCounts = Record<string, number>;

export function emptyLabelCounts(labels: readonly string[]): LabelCounts {
  return Object.fromEntries(labels.map((label) => [label, 0]));
}

/** The sum of a count per class. */
export function totalOf(counts: LabelCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** The ten scenes of TAU Urban Acoustic Scenes 2020 Mobile, in class-index order. */
export const TAU_SCENES: readonly string[] = orderLabels(Object.keys(SCENE_CLASS));
