import type { Argv, CommandModule } from 'yargs';
import {
  DEFAULT_SIZE_WINDOW,
  RandomSampler,
  SamplerExhaustedError,
  archId,
  layerTable,
  namedModels,
  resolveModel,
  sizeOfParams,
  type ResolvedModel,
} from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { checkPositiveIntegers } from '../cli/flags';

/** Sizes of a parameter count as `asc zoo` reports them (KB = KiB, MB = MiB, as the paper). */
function sizes(params: number) {
  const fp32 = sizeOfParams(params, 4);
  const fp16 = sizeOfParams(params, 2);
  return {
    params,
    sizeKB: round(fp32.KiB, 2),
    sizeMB: round(fp32.MiB, 4),
    sizeKBFp16: round(fp16.KiB, 2),
    sizeMBFp16: round(fp16.MiB, 4),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Text table: columns whose cells all look numeric are right-aligned, the rest left-aligned. */
function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+$/.test(String(r[i]))),
  );
  return cells.map((r) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

function entry(m: ResolvedModel) {
  return {
    name: m.name,
    title: m.title,
    ...(m.spec ? { id: archId(m.spec), spec: m.spec } : {}),
    ...sizes(m.params),
  };
}

const listCommand = defineCommand<object>({
  command: 'list',
  describe: 'List the named models (Table 4) with parameters and sizes',
  run: async (_args, out) => {
    const models = namedModels().map(entry);
    out.info('Sizes: KB = KiB, MB = MiB (as the paper); float32 and float16.');
    for (const line of table(
      ['name', 'params', 'KB fp32', 'MB fp32', 'KB fp16', 'MB fp16', 'identifier'],
      models.map((m) => [
        m.name,
        m.params,
        m.sizeKB.toFixed(1),
        m.sizeMB.toFixed(2),
        m.sizeKBFp16.toFixed(1),
        m.sizeMBFp16.toFixed(2),
        m.id ?? '-',
      ]),
    )) {
      out.info(line);
    }
    return { models };
  },
});

interface ShowArgs {
  model: string;
}

/** The layers of a model outside the search space (vision baselines), from the built tfjs model. */
async function builtLayers(m: ResolvedModel) {
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  await tf.setBackend('cpu');
  const model = m.build(tf, { seed: 1 });
  try {
    return {
      layers: model.layers.map((l) => ({
        layer: l.name,
        type: l.getClassName(),
        outputShape: JSON.stringify(l.outputShape).replace(/null/g, 'N'),
        params: l.trainableWeights.reduce(
          (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
          0,
        ),
      })),
    };
  } finally {
    model.dispose();
  }
}

const showCommand = defineCommand<ShowArgs>({
  command: 'show <model>',
  describe:
    'Print the layer table of a model (Table 3 style): a name, an identifier or a spec .json',
  builder: (y: Argv<GlobalOptions>) =>
    y.positional('model', {
      type: 'string',
      demandOption: true,
      describe:
        'A, B, A-table3, mobilenet-v1, mobilenet-v2, shufflenet-v2, alexnet, id_..., or spec.json',
    }) as Argv<ShowArgs & GlobalOptions>,
  run: async (args, out) => {
    let m: ResolvedModel;
    try {
      m = resolveModel(args.model);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const head = entry(m);
    out.info(`${m.title}${head.id && head.id !== m.name ? ` (${head.id})` : ''}`);
    if (m.notes) out.info(m.notes);
    out.info(
      `${m.params.toLocaleString('en-US')} parameters: ${head.sizeKB.toFixed(1)} KB / ${head.sizeMB.toFixed(2)} MB float32, ` +
        `${head.sizeKBFp16.toFixed(1)} KB / ${head.sizeMBFp16.toFixed(2)} MB float16`,
    );
    if (m.spec) {
      const rows = layerTable(m.spec);
      for (const line of table(
        ['#', 'layer', 'block', 'params'],
        rows.map((r, i) => [i + 1, r.layer, r.block === null ? '' : String(r.block), r.params]),
      )) {
        out.info(line);
      }
      return { ...head, layers: rows };
    }
    const built = await builtLayers(m);
    for (const line of table(
      ['layer', 'type', 'output', 'params'],
      built.layers.map((l) => [l.layer, l.type, l.outputShape, l.params]),
    )) {
      out.info(line);
    }
    return { ...head, layers: built.layers };
  },
});

interface SampleArgs {
  seed: number;
  count: number;
  'min-kb': number;
  'max-kb': number;
}

const sampleCommand = defineCommand<SampleArgs>({
  command: 'sample',
  describe: 'Preview the search space: N architectures the seeded sampler proposes',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('seed', { type: 'number', demandOption: true, describe: 'Sampler seed' })
      .option('count', { type: 'number', default: 10, describe: 'How many architectures' })
      .option('min-kb', {
        type: 'number',
        default: DEFAULT_SIZE_WINDOW.minKiB,
        describe: 'Lower size bound, KB (strict)',
      })
      .option('max-kb', {
        type: 'number',
        default: DEFAULT_SIZE_WINDOW.maxKiB,
        describe: 'Upper size bound, KB (strict)',
      }) as Argv<SampleArgs & GlobalOptions>,
  run: async (args, out) => {
    if (!Number.isSafeInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${args.seed}`);
    checkPositiveIntegers({ '--count': args.count });
    let sampler: RandomSampler;
    try {
      sampler = new RandomSampler({
        seed: args.seed,
        window: { minKiB: args['min-kb'], maxKiB: args['max-kb'] },
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const samples = [];
    let message: string | undefined;
    for (let i = 0; i < args.count; i++) {
      try {
        const p = sampler.at(i);
        samples.push({ sampleIndex: i, id: p.archId, spec: p.spec, ...sizes(p.params) });
      } catch (err) {
        if (!(err instanceof SamplerExhaustedError)) throw err;
        message = err.message;
        break;
      }
    }
    const last = samples.length > 0 ? sampler.at(samples.length - 1) : undefined;
    for (const line of table(
      ['#', 'identifier', 'params', 'KB fp32', 'KB fp16'],
      samples.map((s) => [
        s.sampleIndex,
        s.id,
        s.params,
        s.sizeKB.toFixed(1),
        s.sizeKBFp16.toFixed(1),
      ]),
    )) {
      out.info(line);
    }
    const rejectedBySize = last?.rejectedBySize ?? 0;
    out.info(
      `seed ${args.seed}: ${samples.length} architectures with ${args['min-kb']} < KB < ${args['max-kb']} ` +
        `from ${last?.draws ?? 0} draws (${rejectedBySize} rejected by size, ${last?.duplicates ?? 0} repeats)`,
    );
    if (message) out.warn(`asc zoo sample: ${message}`);
    return {
      seed: args.seed,
      window: { minKB: args['min-kb'], maxKB: args['max-kb'] },
      samples,
      draws: last?.draws ?? 0,
      rejectedBySize,
      duplicates: last?.duplicates ?? 0,
      ...(message ? { exhausted: message } : {}),
    };
  },
});

export const zooCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'zoo',
  describe: 'The model zoo: list named models, show a layer table, sample the search space',
  builder: (y: Argv<GlobalOptions>) => {
    for (const c of [listCommand, showCommand, sampleCommand]) y.command(c as never);
    return y.demandCommand(1, 'Name a zoo command (list, show, sample).') as Argv<GlobalOptions>;
  },
  handler: () => undefined,
};
