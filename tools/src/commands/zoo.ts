import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_FEATURE_CONFIG } from '@asc/native';
import {
  RandomSampler,
  SamplerExhaustedError,
  archId,
  audioTiming,
  complexityOf,
  describeWindow,
  layerTable,
  namedModels,
  resolveModel,
  sizeOfParams,
  specCost,
  type ResolvedModel,
} from '@asc/zoo';
import { defineCommand, type GlobalOptions } from '../cli/command';
import { UsageError } from '../cli/errors';
import { checkPositiveIntegers } from '../cli/flags';
import { completeWindow, limitOptions, windowRequest, type LimitArgs } from '../cli/limits';
import { describeComplexity } from '../cli/complexity';

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

/** The DCASE figures of a model at the default input and features, `bytesPerParam` per weight. */
function complexity(m: ResolvedModel, bytesPerParam = 4) {
  return complexityOf(m.cost(), { ...audioTiming(DEFAULT_FEATURE_CONFIG), bytesPerParam });
}

function entry(m: ResolvedModel, bytesPerParam = 4) {
  return {
    name: m.name,
    title: m.title,
    ...(m.spec ? { id: archId(m.spec), spec: m.spec } : {}),
    ...sizes(m.params),
    ...complexity(m, bytesPerParam),
  };
}

const listCommand = defineCommand<object>({
  command: 'list',
  describe: 'List the named models (Table 4) with parameters and sizes',
  run: async (_args, out) => {
    const models = namedModels().map((m) => entry(m));
    out.info(
      'Sizes: KB = KiB, MB = MiB (as the paper), float32 and float16; MMACs per 1.28 s segment and per second of audio.',
    );
    for (const line of table(
      [
        'name',
        'params',
        'KB fp32',
        'MB fp32',
        'KB fp16',
        'MB fp16',
        'MMACs',
        'MMACs/s',
        'identifier',
      ],
      models.map((m) => [
        m.name,
        m.params,
        m.sizeKB.toFixed(1),
        m.sizeMB.toFixed(2),
        m.sizeKBFp16.toFixed(1),
        m.sizeMBFp16.toFixed(2),
        (m.macsPerSegment / 1e6).toFixed(1),
        (m.macsPerSecond / 1e6).toFixed(1),
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
  'param-bytes': number;
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
    y
      .positional('model', {
        type: 'string',
        demandOption: true,
        describe:
          'A, B, A-table3, mobilenet-v1, mobilenet-v2, shufflenet-v2, alexnet, id_..., or spec.json',
      })
      .option('param-bytes', {
        type: 'number',
        choices: [1, 2, 4],
        default: 4,
        describe: 'Bytes per parameter of the DCASE sizes (4 float32, 2 float16, 1 int8)',
      }) as Argv<ShowArgs & GlobalOptions>,
  run: async (args, out) => {
    let m: ResolvedModel;
    try {
      m = resolveModel(args.model);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const head = entry(m, args['param-bytes']);
    out.info(`${m.title}${head.id && head.id !== m.name ? ` (${head.id})` : ''}`);
    if (m.notes) out.info(m.notes);
    out.info(
      `${m.params.toLocaleString('en-US')} parameters: ${head.sizeKB.toFixed(1)} KB / ${head.sizeMB.toFixed(2)} MB float32, ` +
        `${head.sizeKBFp16.toFixed(1)} KB / ${head.sizeMBFp16.toFixed(2)} MB float16`,
    );
    for (const line of describeComplexity(head)) out.info(line);
    if (m.spec) {
      const rows = layerTable(m.spec);
      for (const line of table(
        ['#', 'layer', 'block', 'params', 'MACs'],
        rows.map((r, i) => [
          i + 1,
          r.layer,
          r.block === null ? '' : String(r.block),
          r.params,
          r.macs,
        ]),
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

interface SampleArgs extends LimitArgs {
  seed: number;
  count: number;
}

const sampleCommand = defineCommand<SampleArgs>({
  command: 'sample',
  describe: 'Preview the search space: N architectures the seeded sampler proposes',
  builder: (y: Argv<GlobalOptions>) =>
    limitOptions(y, '')
      .option('seed', { type: 'number', demandOption: true, describe: 'Sampler seed' })
      .option('count', {
        type: 'number',
        default: 10,
        describe: 'How many architectures',
      }) as Argv<SampleArgs & GlobalOptions>,
  run: async (args, out) => {
    if (!Number.isSafeInteger(args.seed))
      throw new UsageError(`--seed must be an integer, got ${args.seed}`);
    checkPositiveIntegers({ '--count': args.count });
    const window = completeWindow(windowRequest(args));
    const sampler = new RandomSampler({ seed: args.seed, window });
    const samples = [];
    let message: string | undefined;
    for (let i = 0; i < args.count; i++) {
      try {
        const p = sampler.at(i);
        const macsPerSegment = specCost(p.spec).macs;
        samples.push({
          sampleIndex: i,
          id: p.archId,
          spec: p.spec,
          ...sizes(p.params),
          macsPerSegment,
          macsPerSecond: Math.round(
            macsPerSegment / audioTiming(DEFAULT_FEATURE_CONFIG).segmentSeconds,
          ),
        });
      } catch (err) {
        if (!(err instanceof SamplerExhaustedError)) throw err;
        message = err.message;
        break;
      }
    }
    const last = samples.length > 0 ? sampler.at(samples.length - 1) : undefined;
    for (const line of table(
      ['#', 'identifier', 'params', 'KB fp32', 'KB fp16', 'MMACs/s'],
      samples.map((s) => [
        s.sampleIndex,
        s.id,
        s.params,
        s.sizeKB.toFixed(1),
        s.sizeKBFp16.toFixed(1),
        (s.macsPerSecond / 1e6).toFixed(1),
      ]),
    )) {
      out.info(line);
    }
    const rejectedBySize = last?.rejectedBySize ?? 0;
    out.info(
      `seed ${args.seed}: ${samples.length} architectures with ${describeWindow(window)} ` +
        `from ${last?.draws ?? 0} draws (${rejectedBySize} rejected by size, ${last?.duplicates ?? 0} repeats)`,
    );
    if (message) out.warn(`asc zoo sample: ${message}`);
    return {
      seed: args.seed,
      window: {
        minKB: window.minKiB,
        maxKB: window.maxKiB,
        bytesPerParam: window.bytesPerParam ?? 4,
        maxParams: window.maxParams ?? null,
        maxMacsPerSecond: window.maxMacsPerSecond ?? null,
      },
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
