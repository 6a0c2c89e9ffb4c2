import * as tf from '@tensorflow/tfjs';
import { archId, parseArchId } from '../src/arch-id';
import { buildModel } from '../src/models/build';
import { IDENTITY_MODULE, MODULE_KINDS, type ModuleId } from '../src/modules';
import { layerTable, moduleParams, paramCount } from '../src/params';
import {
  ArchSpecError,
  MODULE_B_IDS,
  MODULE_IDS,
  UnknownModuleError,
  moduleKind,
  type ArchSpec,
  type Block,
} from '../src/spec';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

/** Trainable parameters of the built model's layers whose names start with `prefix`. */
function builtParams(spec: ArchSpec, prefix: string): number {
  const model = buildModel(tf, spec, { inputShape: [16, 16, 2], seed: 1 });
  try {
    return model.layers
      .filter((l) => l.name.startsWith(prefix))
      .flatMap((l) => l.trainableWeights)
      .reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  } finally {
    model.dispose();
  }
}

describe('the module registry', () => {
  it('holds the paper’s five kinds under their id digits', () => {
    expect(MODULE_IDS).toEqual([0, 1, 2, 3, 4]);
    expect(MODULE_B_IDS).toEqual([1, 2, 3, 4]);
    expect(MODULE_IDS.map((id) => MODULE_KINDS[id].label)).toEqual([
      'Identity',
      '3 × 3 DSC',
      '5 × 5 DSC',
      '3 × 3 IRwLB',
      '5 × 5 IRwLB',
    ]);
  });

  // Second computation: tfjs' own weight shapes of the layers each kind built.
  it.each(MODULE_IDS.map((id) => [id, MODULE_KINDS[id].label] as const))(
    'kind %i (%s): its parameter count equals the built tfjs layers’ as module A and B',
    (id) => {
      const w = 12;
      const asA: ArchSpec = { stemFilters: w, growth: 1.5, blocks: [[id, 1, 'avg']] };
      expect(builtParams(asA, 'block1_a')).toBe(moduleParams(id, w, w));
      if (id === IDENTITY_MODULE) return;
      const b = id as Block[1];
      const widening: ArchSpec = { stemFilters: w, growth: 1.5, blocks: [[0, b, 'max']] };
      expect(builtParams(widening, 'block1_b')).toBe(moduleParams(id, w, 18));
      const keeping: ArchSpec = { stemFilters: w, growth: 1, blocks: [[0, b, 'max']] };
      expect(builtParams(keeping, 'block1_b')).toBe(moduleParams(id, w, w));
    },
  );

  it.each(MODULE_IDS)('kind %i: its layer table rows sum to its count and ids round-trip', (id) => {
    const b: Block[1] = id === IDENTITY_MODULE ? 1 : (id as Block[1]);
    const spec: ArchSpec = { stemFilters: 8, growth: 1.25, blocks: [[id, b, 'avg']] };
    const rows = layerTable(spec).filter((r) => r.block === 1 && r.params > 0);
    expect(rows.reduce((n, r) => n + r.params, 0)).toBe(
      moduleParams(id, 8, 8) + moduleParams(b, 8, 10),
    );
    expect(String(id)).toMatch(/^\d$/);
    expect(parseArchId(archId(spec))).toEqual(spec);
  });

  it('refuses the identity as a width-changing module', () => {
    expect(() => moduleParams(IDENTITY_MODULE, 8, 12)).toThrow(RangeError);
  });
});

describe('an unknown module kind is an error, never another kind', () => {
  const unknown = 7 as ModuleId;
  const spec = { stemFilters: 8, growth: 1.5, blocks: [[unknown, 1, 'avg']] } as ArchSpec;

  it('in the registry lookup and the parameter count', () => {
    expect(() => moduleKind(unknown)).toThrow(UnknownModuleError);
    expect(() => moduleParams(unknown, 8, 8)).toThrow(UnknownModuleError);
    expect(() => moduleParams(unknown, 8, 8)).toThrow(/unknown module kind 7 \(known: 0\.\.4\)/);
    const err = (() => {
      try {
        moduleKind(unknown);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ArchSpecError);
    expect((err as UnknownModuleError).id).toBe(7);
  });

  it('in the layer table, the spec’s count and the tfjs builder', () => {
    expect(() => layerTable(spec)).toThrow(/module A\) must be one of 0\.\.4, got 7/);
    expect(() => paramCount(spec)).toThrow(ArchSpecError);
    expect(() => buildModel(tf, spec, { inputShape: [16, 16, 2] })).toThrow(ArchSpecError);
    const asB = { ...spec, blocks: [[0, unknown, 'avg']] } as ArchSpec;
    expect(() => layerTable(asB)).toThrow(/module B\) must be one of 1\.\.4, got 7/);
    expect(() => buildModel(tf, asB, { inputShape: [16, 16, 2] })).toThrow(ArchSpecError);
  });
});
