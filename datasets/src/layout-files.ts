/** The CSV files of the DCASE layout, relative to the dataset root. */
export const DATASET_FILES = {
  meta: 'meta.csv',
  train: 'evaluation_setup/fold1_train.csv',
  evaluate: 'evaluation_setup/fold1_evaluate.csv',
  test: 'evaluation_setup/fold1_test.csv',
} as const;

/** The folder of the audio files (the folder layout's class folders are in it). */
export const AUDIO_DIR = 'audio';
