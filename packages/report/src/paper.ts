import type { RetrainRole } from '@asc/zoo';

/**
 * The paper's published numbers (Wu & Lee, DCASE 2020), shown as reference columns.
 * Source: docs/paper.md (Table 4 and Section 4.4 of the paper).
 */

/** One row of the paper's Table 4 (sizes in MB = bytes / 2^20, accuracy as a fraction). */
export interface PaperModelRow {
  model: string;
  sizeMB: number;
  sizeMBFp16: number | null;
  accuracy: number;
}

export const PAPER_TABLE4: readonly PaperModelRow[] = [
  { model: 'AlexNet (Modified)', sizeMB: 33.8, sizeMBFp16: null, accuracy: 0.955 },
  { model: 'MobileNet V1', sizeMB: 12.2, sizeMBFp16: null, accuracy: 0.948 },
  { model: 'MobileNet V2', sizeMB: 8.5, sizeMBFp16: null, accuracy: 0.944 },
  { model: 'ShuffleNet V2', sizeMB: 4.8, sizeMBFp16: null, accuracy: 0.94 },
  { model: 'Model A', sizeMB: 0.42, sizeMBFp16: 0.21, accuracy: 0.956 },
  { model: 'Model B', sizeMB: 0.29, sizeMBFp16: 0.15, accuracy: 0.958 },
];

/** Mean candidate accuracy per growth ratio (Section 4.4, the text beside Figure 4). */
export const PAPER_GROWTH_MEANS: ReadonlyMap<number, number> = new Map([
  [2.0, 0.925],
  [1.75, 0.929],
  [1.5, 0.929],
  [1.25, 0.932],
  [1.0, 0.933],
]);

// How a run's model reference maps to a row of the paper's Table 4. The selected
// candidates play the roles of Model A (best accuracy) and Model B (lowest loss).
const PAPER_ROW_OF_ROLE: Record<RetrainRole, string> = {
  'best-accuracy': 'Model A',
  'lowest-loss': 'Model B',
};
const PAPER_ROW_OF: Record<string, string> = {
  ...PAPER_ROW_OF_ROLE,
  a: 'Model A',
  'a-table3': 'Model A',
  b: 'Model B',
  alexnet: 'AlexNet (Modified)',
  'alexnet-modified': 'AlexNet (Modified)',
  'mobilenet-v1': 'MobileNet V1',
  'mobilenet-v2': 'MobileNet V2',
  'shufflenet-v2': 'ShuffleNet V2',
};

/** The paper's Table 4 row that a run corresponds to, by run name or model reference. */
export function paperRowFor(runName: string, model: string): PaperModelRow | null {
  const key = PAPER_ROW_OF[runName.toLowerCase()] ?? PAPER_ROW_OF[model.toLowerCase()];
  return PAPER_TABLE4.find((r) => r.model === key) ?? null;
}
