import type { FeatureConfig } from '@asc/native/browser';
import type { Normalisation } from '@asc/trainer';

/** The format tag of demo.json; bumped when the page could not read an older file. */
export const DEMO_FORMAT = 'asc-demo/1';

/**
 * `demo.json`: everything the page needs besides its code, the model files and the filter
 * bank. Written by `writeDemo` from a finished run's record; read by the page (and so
 * shared by the Node side and the browser bundle: types only here).
 */
export interface DemoManifest {
  format: typeof DEMO_FORMAT;
  /** When the folder was written (ISO 8601). */
  createdAt: string;
  model: {
    /** The architecture id (or model name) of the run. */
    id: string;
    /** tfjs layers-model JSON, relative to the folder; its weights file sits beside it. */
    file: string;
    dtype: 'float32' | 'float16';
    params: number | null;
    weightsBytes: number;
  };
  /** The class names, in the order of the model's outputs (from the run record). */
  labels: string[];
  /** One segment: frames x bands x planes. */
  inputShape: [number, number, number];
  /** The run's feature config (resolved): the page computes exactly these features. */
  featureConfig: FeatureConfig;
  featureConfigHash: string;
  /** The run's input statistics (scalogram.md step 8), [plane][band]. */
  normalisation: Normalisation;
  filterbank: {
    /** Float32, little-endian, row-major bands x bins, relative to the folder. */
    file: string;
    bands: number;
    bins: number;
    /** Centre frequency of each row, Hz (row 0 is the low-pass: 0). */
    centreHz: number[];
    /** Which implementation designed it: the addon's C++ or the TypeScript twin. */
    designedBy: 'native' | 'js';
  };
  /** Where the model came from. */
  run: {
    dir: string;
    seed: number;
    recipe: string;
    epochs: number;
    /** Clip accuracy and log loss on the run's evaluate split, when it was scored. */
    testAccuracy: number | null;
    testLoss: number | null;
  };
}
