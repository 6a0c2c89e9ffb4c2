import {
  layerTable,
  paramCount,
  sizeOfParams,
  validateArchSpec,
  ArchSpecError,
  type Candidate,
  type RetrainRole,
} from '@asc/zoo';
import type { Cell, Table } from './model';
import { paperRowFor, PAPER_TABLE4 } from './paper';
import type { RunSummary } from './runRecord';

// Table 3 writes a layer as "5 × 5 DSC (133)": kernel, module, output filters.
const LAYER_WORDING = /^(\d+ × \d+) (.+?)(?: \((\d+)\))?$/;

/**
 * Table 3 for one selected candidate: its layers in the paper's wording, from its spec,
 * with the head of the study's `classes` (3 in the paper).
 */
export function table3(id: string, role: RetrainRole, trial: Candidate, classes: number): Table {
  const rows = layerTable(trial.spec, { classes }).map((row, i) => {
    const match = LAYER_WORDING.exec(row.layer);
    return {
      index: i + 1,
      layer: row.layer,
      kernel: match ? match[1] : null,
      module: match ? match[2] : row.layer,
      filters: match?.[3] !== undefined ? Number(match[3]) : null,
      params: row.params,
    };
  });
  const params = rows.reduce((n, r) => n + r.params, 0);
  return {
    id,
    title: `Table 3: ${role} candidate`,
    caption:
      `Trial ${trial.trialId} (${trial.archId}), accuracy ${percent(trial.accuracy)}, ` +
      `loss ${trial.loss.toFixed(4)} after the search recipe; ${params.toLocaleString('en-US')} ` +
      `trainable parameters (${sizeOfParams(params).KiB.toFixed(1)} KiB float32). ` +
      'Number in ( ): output filters.',
    columns: [
      { key: 'index', label: '#', format: { kind: 'integer' } },
      { key: 'layer', label: 'layer', format: { kind: 'text' } },
      { key: 'kernel', label: 'kernel', format: { kind: 'text' } },
      { key: 'filters', label: 'filters', format: { kind: 'integer' } },
      { key: 'params', label: 'parameters', format: { kind: 'integer' } },
    ],
    rows,
    notes: [],
  };
}

function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Trainable parameters of a run: as recorded, else counted from its recorded spec. */
function runParams(run: RunSummary): number | null {
  if (run.params !== null) return run.params;
  if (run.spec === null) return null;
  try {
    return paramCount(validateArchSpec(run.spec, run.file), { classes: run.classes.length });
  } catch (err) {
    if (err instanceof ArchSpecError) return null;
    throw err;
  }
}

const MIB = 2 ** 20;

/**
 * Table 4: every retrained run's size and accuracy next to the paper's row for the same
 * role (best accuracy = Model A, lowest loss = Model B, baselines by name).
 */
export function table4(runs: readonly RunSummary[]): Table {
  const notes: string[] = [];
  // The paper's row order (large baselines first, then Model A and B); others last.
  const order = (run: RunSummary): number => {
    const paper = paperRowFor(run.name, run.model);
    return paper ? PAPER_TABLE4.indexOf(paper) : PAPER_TABLE4.length;
  };
  const ordered = [...runs].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  const rows: Record<string, Cell>[] = ordered.map((run) => {
    const params = runParams(run);
    const paper = paperRowFor(run.name, run.model);
    if (run.final === null) {
      notes.push(
        `${run.name}: training has not finished (${run.epochsDone}` +
          `${run.epochsPlanned !== null ? ` of ${run.epochsPlanned}` : ''} epochs done), so it has no accuracy yet.`,
      );
    }
    if (params === null) {
      notes.push(
        `${run.name}: the record states no parameter count or spec; its size is not known.`,
      );
    }
    const c = run.complexity;
    return {
      model: run.name,
      reference: run.model,
      parameters: params,
      nonZeroParameters: c?.nonZeroParameters ?? null,
      sizeDcase2020Bytes: c?.sizeDcase2020Bytes ?? null,
      sizeDcase2022Bytes: c?.sizeDcase2022Bytes ?? null,
      macsPerSegment: c?.macsPerSegment ?? null,
      macsPerSecond: c?.macsPerSecond ?? null,
      sizeMB: params === null ? null : sizeOfParams(params, 4).MiB,
      sizeMBFp16: params === null ? null : sizeOfParams(params, 2).MiB,
      exportMBFp32: run.export ? run.export.fp32Bytes / MIB : null,
      exportMBFp16: run.export ? run.export.fp16Bytes / MIB : null,
      accuracy: run.final?.testAccuracy ?? null,
      testLoss: run.final?.testLoss ?? null,
      epochs: run.epochsDone,
      paperModel: paper?.model ?? null,
      paperSizeMB: paper?.sizeMB ?? null,
      paperSizeMBFp16: paper?.sizeMBFp16 ?? null,
      paperAccuracy: paper?.accuracy ?? null,
    };
  });
  const trained = new Set(rows.map((r) => r.paperModel));
  const untrained = PAPER_TABLE4.filter((p) => !trained.has(p.model)).map((p) => p.model);
  if (untrained.length > 0) {
    notes.push(`Paper models without a retrained run in this study: ${untrained.join(', ')}.`);
  }
  return {
    id: 'table4',
    title: 'Table 4',
    caption:
      'Size, complexity and accuracy of every retrained model. Size in MB = trainable parameters × 4 bytes ' +
      '(float32) or × 2 bytes (float16) / 2^20, as the paper counts it; the exported weight files ' +
      '(which also hold BatchNorm moving statistics) are listed beside it. The DCASE sizes are of the ' +
      'trained float32 weights: DCASE 2020 Task 1B counts non-zero parameters outside batch norm ' +
      '(limit 500 KB = 512,000 bytes), DCASE 2022-2025 all parameters; at float16 they halve and at ' +
      "int8 (asc export --dtype int8) they are a quarter. MACs by torchinfo's rule, as the " +
      "challenges' NeSsi tool counts them, per 1.28 s segment and per second of audio.",
    columns: [
      { key: 'model', label: 'model', format: { kind: 'text' } },
      { key: 'reference', label: 'trained model', format: { kind: 'text' } },
      { key: 'parameters', label: 'parameters', format: { kind: 'integer' } },
      { key: 'nonZeroParameters', label: 'non-zero (no BN)', format: { kind: 'integer' } },
      { key: 'sizeDcase2020Bytes', label: 'DCASE 2020 bytes', format: { kind: 'integer' } },
      { key: 'sizeDcase2022Bytes', label: 'DCASE 2022 bytes', format: { kind: 'integer' } },
      { key: 'macsPerSegment', label: 'MACs / segment', format: { kind: 'integer' } },
      { key: 'macsPerSecond', label: 'MACs / s', format: { kind: 'integer' } },
      { key: 'sizeMB', label: 'size MB (fp32)', format: { kind: 'fixed', decimals: 3 } },
      { key: 'sizeMBFp16', label: 'size MB (fp16)', format: { kind: 'fixed', decimals: 3 } },
      { key: 'exportMBFp32', label: 'export MB (fp32)', format: { kind: 'fixed', decimals: 3 } },
      { key: 'exportMBFp16', label: 'export MB (fp16)', format: { kind: 'fixed', decimals: 3 } },
      { key: 'accuracy', label: 'accuracy', format: { kind: 'percent', decimals: 1 } },
      { key: 'testLoss', label: 'test loss', format: { kind: 'fixed', decimals: 4 } },
      { key: 'epochs', label: 'epochs', format: { kind: 'integer' } },
      { key: 'paperModel', label: 'paper row', format: { kind: 'text' } },
      { key: 'paperSizeMB', label: 'paper MB (fp32)', format: { kind: 'fixed', decimals: 2 } },
      { key: 'paperSizeMBFp16', label: 'paper MB (fp16)', format: { kind: 'fixed', decimals: 2 } },
      { key: 'paperAccuracy', label: 'paper accuracy', format: { kind: 'percent', decimals: 1 } },
    ],
    rows,
    notes,
  };
}

/**
 * Per class, for one retrained run: its clips, its recall (per-class accuracy) and its
 * row of the confusion matrix (how its clips were classified), by the run's class names.
 */
export function perClassTable(run: RunSummary): Table | null {
  if (!run.final || run.final.confusion.length !== run.classes.length) return null;
  const { confusion, perClass } = run.final;
  // Keys of the prediction columns: class names may be anything, keys stay plain.
  const predicted = run.classes.map((_, k) => `predicted${k}`);
  return {
    id: `per-class-${run.name}`,
    title: `Per-class accuracy: ${run.name}`,
    caption:
      `${run.model}, ${run.classes.length} classes, on the evaluate split after the final recipe: ` +
      "each class's clips, the share classified correctly (recall), and where they went " +
      '(one column per predicted class).',
    columns: [
      { key: 'class', label: 'class', format: { kind: 'text' } },
      { key: 'clips', label: 'clips', format: { kind: 'integer' } },
      { key: 'accuracy', label: 'accuracy', format: { kind: 'percent', decimals: 1 } },
      ...run.classes.map((name, k) => ({
        key: predicted[k],
        label: `→ ${name}`,
        format: { kind: 'integer' } as const,
      })),
    ],
    rows: run.classes.map((name, k) => ({
      class: name,
      clips: confusion[k].reduce((a, b) => a + b, 0),
      accuracy: perClass[k] ?? null,
      ...Object.fromEntries(predicted.map((key, j) => [key, confusion[k][j]])),
    })),
    notes: [],
  };
}
