/** The three classes of TAU Urban Acoustic Scenes 2020 3Class. */
export type SceneLabel = 'indoor' | 'outdoor' | 'transportation';

/** Every class, in class-index order (the index a model's output uses). */
export const SCENE_LABELS: readonly SceneLabel[] = ['indoor', 'outdoor', 'transportation'];

/**
 * The ten original scenes of TAU Urban Acoustic Scenes 2020 (the file-name prefix) and the
 * class each was merged into for the 3Class task.
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

export function isSceneLabel(value: string): value is SceneLabel {
  return (SCENE_LABELS as readonly string[]).includes(value);
}

/** A count per class, every class present. */
export type LabelCounts = Record<SceneLabel, number>;

export function emptyLabelCounts(): LabelCounts {
  return { indoor: 0, outdoor: 0, transportation: 0 };
}
