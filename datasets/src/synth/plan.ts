import {
  emptyLabelCounts,
  SCENE_CLASS,
  SCENE_LABELS,
  TAU_SCENES,
  type LabelCounts,
} from '../labels';
import { streamRng } from '@asc/core';

/** The ten cities of TAU Urban Acoustic Scenes 2020, reused for realistic names. */
const CITIES = [
  'barcelona',
  'helsinki',
  'lisbon',
  'london',
  'lyon',
  'milan',
  'paris',
  'prague',
  'stockholm',
  'vienna',
];
/** About this many clips come from one recording location. */
const CLIPS_PER_LOCATION = 5;
/** Share of each class's locations (and so of its clips) held out for evaluation. */
const EVALUATE_SHARE = 0.3;
/** Numbering starts where the real set's does. */
const FIRST_LOCATION_ID = 1000;
const FIRST_SEGMENT_ID = 40000;

export interface PlannedClip {
  /** 'audio/<scene>-<city>-<location>-<segment>-a.wav' */
  file: string;
  scene: string;
  /** The class: the scene's 3Class class, or the scene itself in a 10-class plan. */
  label: string;
  city: string;
  /** Identifier 'city-location'. */
  location: string;
  split: 'train' | 'evaluate';
  locationSeed: number;
  clipSeed: number;
}

export interface DatasetPlan {
  /** The classes, in class-index order. */
  labels: readonly string[];
  clips: PlannedClip[];
  counts: { train: LabelCounts; evaluate: LabelCounts };
  locations: { train: number; evaluate: number };
}

/** The classes of a plan of `classes` classes: the 3Class task's, or the ten TAU scenes. */
export function planLabels(classes: 3 | 10): readonly string[] {
  return classes === 3 ? SCENE_LABELS : TAU_SCENES;
}

/** Clips per class as equal as the total allows. */
function classCounts(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => Math.floor(total / n) + (k < total % n ? 1 : 0));
}

interface PlannedLocation {
  label: string;
  scene: string;
  city: string;
  split: 'train' | 'evaluate';
  clips: number;
  seed: number;
}

/**
 * Lays out a synthetic dataset: equal classes, about five clips per recording location,
 * and a split that holds out whole locations (about 30 % of each class), as the real
 * fold 1 does, so evaluation measures generalisation to unseen places. A pure function
 * of (clips, seed, classes). With 10 classes each scene is its own class; the 3-class
 * plan draws exactly what it drew before 10 classes existed.
 */
export function planDataset(totalClips: number, seed: number, classes: 3 | 10 = 3): DatasetPlan {
  const rng = streamRng(seed, 0);
  const labels = planLabels(classes);
  const sceneClass = (scene: string): string => (classes === 3 ? SCENE_CLASS[scene] : scene);
  const locations: PlannedLocation[] = [];
  classCounts(totalClips, labels.length).forEach((count, k) => {
    const label = labels[k];
    if (count === 0) return;
    const locationCount = Math.min(count, Math.max(3, Math.round(count / CLIPS_PER_LOCATION)));
    const held = locationCount >= 2 ? Math.max(1, Math.round(EVALUATE_SHARE * locationCount)) : 0;
    const scenes = rng.shuffle(Object.keys(SCENE_CLASS).filter((s) => sceneClass(s) === label));
    for (let l = 0; l < locationCount; l++) {
      locations.push({
        label,
        scene: scenes[l % scenes.length],
        city: CITIES[rng.int(0, CITIES.length - 1)],
        split: l >= locationCount - held ? 'evaluate' : 'train',
        clips: Math.floor(count / locationCount) + (l < count % locationCount ? 1 : 0),
        seed: rng.nextUint32(),
      });
    }
  });
  rng.shuffle(locations);

  const unnamed: Omit<PlannedClip, 'file'>[] = [];
  locations.forEach((place, index) => {
    const location = `${place.city}-${FIRST_LOCATION_ID + index}`;
    for (let i = 0; i < place.clips; i++) {
      unnamed.push({
        scene: place.scene,
        label: place.label,
        city: place.city,
        location,
        split: place.split,
        locationSeed: place.seed,
        clipSeed: rng.nextUint32(),
      });
    }
  });
  rng.shuffle(unnamed);

  const counts = { train: emptyLabelCounts(labels), evaluate: emptyLabelCounts(labels) };
  const clips = unnamed.map((clip, index) => {
    counts[clip.split][clip.label] += 1;
    const [, number] = clip.location.split('-');
    return {
      ...clip,
      file: `audio/${clip.scene}-${clip.city}-${number}-${FIRST_SEGMENT_ID + index}-a.wav`,
    };
  });
  return {
    labels,
    clips,
    counts,
    locations: {
      train: locations.filter((l) => l.split === 'train').length,
      evaluate: locations.filter((l) => l.split === 'evaluate').length,
    },
  };
}

/** The four CSVs of the layout for a plan: meta.csv and fold 1's train, evaluate and test lists. */
export function planCsvs(plan: DatasetPlan): {
  meta: string;
  train: string;
  evaluate: string;
  test: string;
} {
  const lines = (header: string, rows: string[]): string => [header, ...rows].join('\n') + '\n';
  const of = (split: 'train' | 'evaluate'): PlannedClip[] =>
    plan.clips.filter((c) => c.split === split);
  return {
    meta: lines(
      'filename\tscene_label\tidentifier\tsource_label',
      plan.clips.map((c) => `${c.file}\t${c.label}\t${c.location}\ta`),
    ),
    train: lines(
      'filename\tscene_label',
      of('train').map((c) => `${c.file}\t${c.label}`),
    ),
    evaluate: lines(
      'filename\tscene_label',
      of('evaluate').map((c) => `${c.file}\t${c.label}`),
    ),
    test: lines(
      'filename',
      of('evaluate').map((c) => c.file),
    ),
  };
}
