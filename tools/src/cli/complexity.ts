import { DCASE2020_LIMIT_BYTES, type Complexity } from '@asc/zoo';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The complexity figures as lines for people (the JSON has them under their own names). */
export function describeComplexity(c: Complexity & { fileBytes?: number }): string[] {
  const type = { 4: 'float32', 2: 'float16', 1: 'int8' }[c.bytesPerParam] ?? `${c.bytesPerParam} B`;
  return [
    `${c.parameters.toLocaleString('en-US')} parameters, ${c.nonZeroParameters.toLocaleString('en-US')} non-zero outside batch norm`,
    `size at ${type}: DCASE 2020 ${kb(c.sizeDcase2020Bytes)} (${c.sizeDcase2020Bytes <= DCASE2020_LIMIT_BYTES ? 'within' : 'over'} 500 KB), ` +
      `DCASE 2022-2025 ${kb(c.sizeDcase2022Bytes)}${c.fileBytes !== undefined ? `; file ${kb(c.fileBytes)}` : ''}`,
    `${(c.macsPerSegment / 1e6).toFixed(2)} MMACs per segment, ${(c.macsPerSecond / 1e6).toFixed(2)} MMACs per second of audio, ` +
      `${(c.macsPerClip / 1e6).toFixed(1)} MMACs per 10 s clip`,
  ];
}
