import * as fs from 'fs';
import * as path from 'path';
import {
  clipsOfSplit,
  DatasetError,
  encodeWavPcm24,
  inspectDataset,
  readDataset,
  summarizeDataset,
  type Dataset,
  type DatasetProblem,
} from '@asc/datasets';
import { addonRequired } from '../../native/test/addon-required';
import { edited, lineOf, removeTempDirs, TINY_CSVS, writeTinyDataset } from './tiny-fixture';

/** A canonical 44-byte-header WAV image rewritten as RF64 (sizes in a ds64 chunk). */
function asRf64(wav: Buffer): Buffer {
  const data = wav.subarray(44);
  const ds64 = Buffer.alloc(36);
  ds64.write('ds64', 0, 'latin1');
  ds64.writeUInt32LE(28, 4);
  const head = Buffer.from(wav.subarray(0, 44));
  head.write('RF64', 0, 'latin1');
  head.writeUInt32LE(0xffffffff, 4);
  head.writeUInt32LE(0xffffffff, 40);
  const out = Buffer.concat([head.subarray(0, 12), ds64, head.subarray(12), data]);
  out.writeBigUInt64LE(BigInt(out.length - 8), 20);
  out.writeBigUInt64LE(BigInt(data.length), 28);
  out.writeBigUInt64LE(BigInt(data.length / wav.readUInt16LE(32)), 36);
  return out;
}

afterAll(removeTempDirs);

const META = 'meta.csv';
const TRAIN = 'evaluation_setup/fold1_train.csv';
const EVALUATE = 'evaluation_setup/fold1_evaluate.csv';
const TEST = 'evaluation_setup/fold1_test.csv';

function withCode(dataset: Dataset, code: string): DatasetProblem[] {
  return dataset.problems.filter((p) => p.code === code);
}

async function readError(root: string): Promise<DatasetError> {
  try {
    await readDataset(root);
  } catch (err) {
    if (err instanceof DatasetError) return err;
    throw err;
  }
  throw new Error(`readDataset(${root}) did not throw`);
}

describe('readDataset on the tiny hand-written fixture', () => {
  it('returns typed records and the fixture counts', async () => {
    const root = writeTinyDataset();
    const dataset = await readDataset(root);
    expect(dataset.problems).toEqual([]);
    expect(dataset.clips).toHaveLength(11);
    expect(summarizeDataset(dataset)).toEqual({
      files: 11,
      layout: 'csv',
      labels: ['indoor', 'outdoor', 'transportation'],
      splits: {
        train: { indoor: 2, outdoor: 2, transportation: 2 },
        evaluate: { indoor: 1, outdoor: 1, transportation: 2 },
        test: { indoor: 1, outdoor: 1, transportation: 2 },
      },
      splitMethod: { method: 'fold1', digest: expect.stringMatching(/^[0-9a-f]{16}$/) },
      missingAudio: 0,
      problems: [],
    });
    const bus = dataset.clips.find((c) => c.file === 'audio/bus-milan-1006-40006-a.wav');
    expect(bus).toEqual({
      file: 'audio/bus-milan-1006-40006-a.wav',
      path: path.join(root, 'audio/bus-milan-1006-40006-a.wav'),
      label: 'transportation',
      classIndex: 2,
      split: 'train',
      inTest: false,
      scene: 'bus',
      city: 'milan',
      location: 'milan-1006',
      source: 'a',
    });
    const station = dataset.clips.find((c) => c.scene === 'metro_station');
    expect(station).toMatchObject({ split: 'none', inTest: false, classIndex: 0 });
    const evaluate = clipsOfSplit(dataset, 'evaluate');
    expect(evaluate.map((c) => c.file)).toEqual([
      'audio/shopping_mall-paris-1002-40002-a.wav',
      'audio/public_square-lyon-1005-40005-a.wav',
      'audio/tram-vienna-1008-40008-a.wav',
      'audio/tram-vienna-1008-40009-a.wav',
    ]);
    expect(evaluate.every((c) => c.inTest)).toBe(true);
    expect(clipsOfSplit(dataset, 'train')).toHaveLength(6);
  });

  it('tolerates CRLF line ends, a byte-order mark, trailing whitespace and blank lines', async () => {
    const messy: Record<string, string> = {};
    for (const [file, text] of Object.entries(TINY_CSVS)) {
      messy[file] =
        '\uFEFF' +
        text
          .split('\n')
          .map((line) => (line ? `${line} \t ` : line))
          .join('\r\n') +
        '\r\n\r\n';
    }
    const clean = await readDataset(writeTinyDataset());
    const tolerant = await readDataset(writeTinyDataset(messy));
    expect(tolerant.problems).toEqual([]);
    expect(summarizeDataset(tolerant)).toEqual(summarizeDataset(clean));
    expect(tolerant.clips.map(({ path: _p, ...c }) => c)).toEqual(
      clean.clips.map(({ path: _p, ...c }) => c),
    );
  });

  it("takes the classes from meta.csv: a misspelt label is a class of its own, which the split's label contradicts", async () => {
    const root = writeTinyDataset(
      edited(
        META,
        'park-helsinki-1003-40003-a.wav\toutdoor',
        'park-helsinki-1003-40003-a.wav\toutdoors',
      ),
    );
    const dataset = await inspectDataset(root);
    expect(dataset.labels).toEqual(['indoor', 'outdoor', 'outdoors', 'transportation']);
    const err = await readError(root);
    const line = lineOf(TRAIN, 'park-helsinki-1003-40003');
    expect(err.message).toContain(`${TRAIN}:${line}`);
    expect(err.message).toContain(
      "audio/park-helsinki-1003-40003-a.wav is 'outdoor' here but 'outdoors' in meta.csv",
    );
    expect(err.file).toBe(TRAIN);
    expect(err.line).toBe(line);
    expect(err.problems).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'label-mismatch', file: TRAIN, line }),
    );
  });

  it('rejects an unknown label in a split file', async () => {
    const root = writeTinyDataset(
      edited(
        TRAIN,
        'bus-milan-1006-40006-a.wav\ttransportation',
        'bus-milan-1006-40006-a.wav\tvehicle',
      ),
    );
    const dataset = await inspectDataset(root);
    expect(withCode(dataset, 'unknown-label')).toEqual([
      expect.objectContaining({ severity: 'error', file: TRAIN, line: lineOf(TRAIN, 'bus-milan') }),
    ]);
    expect(withCode(dataset, 'unknown-label')[0].message).toBe(
      "unknown scene label 'vehicle' for audio/bus-milan-1006-40006-a.wav " +
        "(meta.csv's labels: indoor, outdoor, transportation)",
    );
  });

  it('warns about an exactly repeated row and ignores the repeat', async () => {
    const row = 'audio/park-helsinki-1003-40003-a.wav\toutdoor';
    const root = writeTinyDataset({ [TRAIN]: TINY_CSVS[TRAIN] + row + '\n' });
    const dataset = await readDataset(root);
    expect(withCode(dataset, 'duplicate-row')).toEqual([
      expect.objectContaining({ severity: 'warning', file: TRAIN, line: 8 }),
    ]);
    expect(withCode(dataset, 'duplicate-row')[0].message).toContain(
      `first at line ${lineOf(TRAIN, 'park-helsinki')}`,
    );
    expect(summarizeDataset(dataset).splits.train.outdoor).toBe(2);
  });

  it('rejects a repeated row that contradicts the first', async () => {
    const root = writeTinyDataset({
      [META]: TINY_CSVS[META] + 'audio/bus-milan-1006-40006-a.wav\tindoor\tmilan-1006\ta\n',
    });
    const err = await readError(root);
    expect(err.problems).toContainEqual(
      expect.objectContaining({ code: 'conflicting-row', file: META, line: 13 }),
    );
    expect(err.message).toContain(
      'meta.csv:13: audio/bus-milan-1006-40006-a.wav is listed again with different fields',
    );
  });

  it('rejects a file listed in both train and evaluate', async () => {
    const row = 'audio/bus-milan-1006-40006-a.wav\ttransportation';
    const root = writeTinyDataset({ [EVALUATE]: TINY_CSVS[EVALUATE] + row + '\n' });
    const err = await readError(root);
    const problem = err.problems.find((p) => p.code === 'in-both-splits');
    expect(problem).toMatchObject({ severity: 'error', file: EVALUATE, line: 6 });
    expect(problem?.message).toContain('audio/bus-milan-1006-40006-a.wav is also in');
    expect(problem?.message).toContain(`${TRAIN} (line ${lineOf(TRAIN, 'bus-milan')})`);
  });

  it('warns when a location is recorded in both train and evaluate', async () => {
    // Move one of the two vienna-1008 tram clips from evaluate to train.
    const row = 'audio/tram-vienna-1008-40009-a.wav\ttransportation\n';
    const root = writeTinyDataset({
      [TRAIN]: TINY_CSVS[TRAIN] + row,
      [EVALUATE]: TINY_CSVS[EVALUATE].replace(row, ''),
      [TEST]: TINY_CSVS[TEST].replace('audio/tram-vienna-1008-40009-a.wav\n', ''),
    });
    const dataset = await readDataset(root);
    expect(dataset.problems).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'shared-location' }),
    ]);
    expect(dataset.problems[0].message).toContain('1 recording locations');
    expect(dataset.problems[0].message).toContain('vienna-1008');
  });

  it('rejects missing audio, saying how many and naming the first few', async () => {
    const gone = [
      'audio/airport-lisbon-1000-40000-a.wav',
      'audio/park-helsinki-1003-40003-a.wav',
      'audio/bus-milan-1006-40006-a.wav',
      'audio/metro-prague-1007-40007-a.wav',
      'audio/tram-vienna-1008-40008-a.wav',
      'audio/tram-vienna-1008-40009-a.wav',
      'audio/metro_station-stockholm-1009-40010-a.wav',
    ];
    const root = writeTinyDataset({}, gone);
    const err = await readError(root);
    expect(err.message).toContain('7 of 11 audio files are missing');
    for (const file of gone.slice(0, 5)) expect(err.message).toContain(file);
    expect(err.message).not.toContain(gone[6]);
    expect(err.message).toContain('...');
    const dataset = await inspectDataset(root);
    expect(dataset.missingAudio).toEqual(gone);
    expect(summarizeDataset(dataset).missingAudio).toBe(7);
    // Without the audio check the same CSVs are usable.
    expect((await readDataset(root, { checkAudio: false })).problems).toEqual([]);
  });

  it('rejects a split label that contradicts meta.csv', async () => {
    const root = writeTinyDataset(
      edited(
        EVALUATE,
        'shopping_mall-paris-1002-40002-a.wav\tindoor',
        'shopping_mall-paris-1002-40002-a.wav\toutdoor',
      ),
    );
    const err = await readError(root);
    expect(err.problems).toContainEqual(
      expect.objectContaining({ code: 'label-mismatch', file: EVALUATE, line: 2 }),
    );
  });

  it('rejects a row with too few fields and a split file naming a file not in meta.csv', async () => {
    const root = writeTinyDataset({
      ...edited(
        META,
        'airport-lisbon-1000-40001-a.wav\tindoor\tlisbon-1000\ta',
        'airport-lisbon-1000-40001-a.wav indoor lisbon-1000 a',
      ),
    });
    const err = await readError(root);
    expect(err.problems).toContainEqual(
      expect.objectContaining({ code: 'bad-row', file: META, line: lineOf(META, '40001') }),
    );
    expect(err.problems).toContainEqual(
      expect.objectContaining({ code: 'not-in-meta', file: TRAIN, line: lineOf(TRAIN, '40001') }),
    );
  });

  it('throws for a missing or non-tab-separated CSV, naming it', async () => {
    const missing = await readError(writeTinyDataset({ [EVALUATE]: null }));
    expect(missing.message).toContain(`${EVALUATE}: file not found`);
    expect(missing.problems[0]).toMatchObject({ code: 'missing-csv', file: EVALUATE });

    const commas = await readError(
      writeTinyDataset({ [META]: TINY_CSVS[META].replace(/\t/g, ',') }),
    );
    expect(commas.problems[0]).toMatchObject({ code: 'bad-header', file: META, line: 1 });
    expect(commas.message).toContain('meta.csv:1');
    expect(commas.message).toContain('tab-separated');
  });

  it('only warns when the test list is absent, and rejects empty splits', async () => {
    const noTest = await readDataset(writeTinyDataset({ [TEST]: null }));
    expect(noTest.problems).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'missing-csv', file: TEST }),
    ]);
    expect(noTest.clips.some((c) => c.inTest)).toBe(false);

    const empty = await readError(writeTinyDataset({ [TRAIN]: 'filename\tscene_label\n' }));
    expect(empty.problems).toContainEqual(
      expect.objectContaining({ code: 'empty-split', file: TRAIN }),
    );
  });

  it('keeps the first ten problems of a kind and counts the rest', async () => {
    const many = Array.from(
      { length: 25 },
      (_, i) => `audio/park-oslo-2000-${50000 + i}-a.wav\toutdoor`,
    ).join('\n');
    const dataset = await inspectDataset(
      writeTinyDataset({ [TRAIN]: TINY_CSVS[TRAIN] + many + '\n' }),
    );
    const unknown = withCode(dataset, 'not-in-meta');
    expect(unknown).toHaveLength(11);
    expect(unknown[10].message).toContain('15 more');
    expect(unknown[10].message).toContain('25 in all');
  });

  it('reads every format the addon reads in the header check (RF64 here); WAV only without it', async () => {
    const root = writeTinyDataset();
    const clips = (await readDataset(root)).clips;
    const second = new Float64Array(48000);
    for (const clip of clips)
      fs.writeFileSync(clip.path, asRf64(encodeWavPcm24([second, second], 48000)));
    const checked = await inspectDataset(root, { checkHeaders: true });
    if (addonRequired('reader.test, header check with libsndfile')) {
      expect(checked.problems).toEqual([]);
    } else {
      expect(withCode(checked, 'bad-audio')[0].message).toMatch(/RF64 needs the native addon/);
    }
  });

  it('reads WAV headers on request: unreadable files are errors, mixed formats a warning', async () => {
    const root = writeTinyDataset();
    expect((await readDataset(root)).problems).toEqual([]);
    const placeholders = await inspectDataset(root, { checkHeaders: true });
    expect(withCode(placeholders, 'bad-audio')).toHaveLength(11);
    expect(withCode(placeholders, 'bad-audio')[0]).toMatchObject({
      severity: 'error',
      file: 'audio/airport-lisbon-1000-40000-a.wav',
      message: expect.stringMatching(/not an audio format libsndfile reads|only WAV is read/),
    });

    const second = new Float64Array(48000);
    const stereo = encodeWavPcm24([second, second], 48000);
    for (const clip of placeholders.clips) fs.writeFileSync(clip.path, stereo);
    expect((await readDataset(root, { checkHeaders: true })).problems).toEqual([]);

    const [first, other, third] = placeholders.clips;
    fs.writeFileSync(other.path, encodeWavPcm24([second], 44100));
    fs.writeFileSync(third.path, stereo.subarray(0, 1000));
    const mixed = await inspectDataset(root, { checkHeaders: true });
    expect(mixed.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'bad-audio',
        file: third.file,
        message: expect.stringContaining('truncated'),
      }),
      {
        severity: 'warning',
        code: 'mixed-audio-formats',
        message:
          'audio files differ in format: 9 x wav/pcm24, 48000 Hz, 2 ch, 1.000 s; ' +
          '1 x wav/pcm24, 44100 Hz, 1 ch, 1.088 s',
      },
    ]);
    expect(first.file).not.toBe(third.file);
  });
});
