import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// A hand-written dataset in the DCASE/TAU 2020 3Class layout: 11 files, 6 train
// (2 per class), 4 evaluate (indoor 1, outdoor 1, transportation 2), 1 in neither split,
// every location in one split only.
export const TINY_CSVS: Record<string, string> = {
  'meta.csv': [
    'filename\tscene_label\tidentifier\tsource_label',
    'audio/airport-lisbon-1000-40000-a.wav\tindoor\tlisbon-1000\ta',
    'audio/airport-lisbon-1000-40001-a.wav\tindoor\tlisbon-1000\ta',
    'audio/shopping_mall-paris-1002-40002-a.wav\tindoor\tparis-1002\ta',
    'audio/park-helsinki-1003-40003-a.wav\toutdoor\thelsinki-1003\ta',
    'audio/street_traffic-london-1004-40004-a.wav\toutdoor\tlondon-1004\ta',
    'audio/public_square-lyon-1005-40005-a.wav\toutdoor\tlyon-1005\ta',
    'audio/bus-milan-1006-40006-a.wav\ttransportation\tmilan-1006\ta',
    'audio/metro-prague-1007-40007-a.wav\ttransportation\tprague-1007\ta',
    'audio/tram-vienna-1008-40008-a.wav\ttransportation\tvienna-1008\ta',
    'audio/tram-vienna-1008-40009-a.wav\ttransportation\tvienna-1008\ta',
    'audio/metro_station-stockholm-1009-40010-a.wav\tindoor\tstockholm-1009\ta',
    '',
  ].join('\n'),
  'evaluation_setup/fold1_train.csv': [
    'filename\tscene_label',
    'audio/airport-lisbon-1000-40000-a.wav\tindoor',
    'audio/airport-lisbon-1000-40001-a.wav\tindoor',
    'audio/park-helsinki-1003-40003-a.wav\toutdoor',
    'audio/street_traffic-london-1004-40004-a.wav\toutdoor',
    'audio/bus-milan-1006-40006-a.wav\ttransportation',
    'audio/metro-prague-1007-40007-a.wav\ttransportation',
    '',
  ].join('\n'),
  'evaluation_setup/fold1_evaluate.csv': [
    'filename\tscene_label',
    'audio/shopping_mall-paris-1002-40002-a.wav\tindoor',
    'audio/public_square-lyon-1005-40005-a.wav\toutdoor',
    'audio/tram-vienna-1008-40008-a.wav\ttransportation',
    'audio/tram-vienna-1008-40009-a.wav\ttransportation',
    '',
  ].join('\n'),
  'evaluation_setup/fold1_test.csv': [
    'filename',
    'audio/shopping_mall-paris-1002-40002-a.wav',
    'audio/public_square-lyon-1005-40005-a.wav',
    'audio/tram-vienna-1008-40008-a.wav',
    'audio/tram-vienna-1008-40009-a.wav',
    '',
  ].join('\n'),
};

export function audioFilesOf(metaCsv: string): string[] {
  return metaCsv
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split('\t')[0].trim())
    .filter((name) => /\.[a-z0-9]+$/i.test(name));
}

const created: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `asc-${prefix}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Writes the tiny dataset to a fresh temporary directory, with `edit` applied to the
 * CSV texts (a value of null deletes that file) and an empty placeholder for every
 * audio file meta.csv lists, except those in `withoutAudio`.
 */
export function writeTinyDataset(
  edit: Record<string, string | null> = {},
  withoutAudio: string[] = [],
): string {
  const root = tempDir('tiny');
  const csvs = { ...TINY_CSVS, ...edit };
  for (const [file, text] of Object.entries(csvs)) {
    if (text === null) continue;
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  fs.mkdirSync(path.join(root, 'audio'), { recursive: true });
  for (const file of audioFilesOf(TINY_CSVS['meta.csv'])) {
    if (!withoutAudio.includes(file)) fs.writeFileSync(path.join(root, file), '');
  }
  return root;
}

/** The line (1-based) of `needle` in a fixture CSV. */
export function lineOf(file: string, needle: string): number {
  return TINY_CSVS[file].split('\n').findIndex((line) => line.includes(needle)) + 1;
}

/** Replaces the first occurrence of `from` by `to` in a fixture CSV. */
export function edited(file: string, from: string, to: string): Record<string, string> {
  if (!TINY_CSVS[file].includes(from)) throw new Error(`fixture ${file} has no '${from}'`);
  return { [file]: TINY_CSVS[file].replace(from, to) };
}

/** A dataset of empty placeholder files at `files` (relative to the root, e.g. 'audio/dog/a.wav'). */
export function writeFiles(files: string[]): string {
  const root = tempDir('files');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
  }
  return root;
}
