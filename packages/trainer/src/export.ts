import * as fs from 'fs';
import * as path from 'path';
import type * as tfType from '@tensorflow/tfjs';
import { float32ToHalfBytes } from '@asc/native';
import { registerZooLayers } from '@asc/zoo';
import { writeFileAtomicSync, writeJsonAtomicSync, AscError } from '@asc/core';

type Tf = typeof tfType;

export type ExportDtype = 'float32' | 'float16';

export interface ExportedModel {
  dtype: ExportDtype;
  modelJson: string;
  weightsFile: string;
  /** Size of the weights file. */
  weightsBytes: number;
  /** Size of model.json (topology and manifest). */
  modelJsonBytes: number;
}

export class ModelFileError extends AscError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super('model-file-invalid', `${file}: ${message}`, { context: { file } });
  }
}

function concatWeightData(data: tfType.io.WeightData): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/**
 * Saves a LayersModel as tfjs's layers-model format (model.json + one weights file) into
 * `dir`. With 'float16' every float32 weight is stored as binary16 and its manifest entry
 * says quantization {dtype: 'float16'}, so tf.loadLayersModel decodes it back to float32.
 */
export async function exportLayersModel(
  tf: Tf,
  model: tfType.LayersModel,
  dir: string,
  dtype: ExportDtype,
): Promise<ExportedModel> {
  const weightsName = dtype === 'float16' ? 'weights.fp16.bin' : 'weights.bin';
  let saved: ExportedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightSpecs || artifacts.weightData === undefined) {
        throw new ModelFileError('the model produced no weights', dir);
      }
      const raw = concatWeightData(artifacts.weightData);
      let weightBytes: Uint8Array = new Uint8Array(raw);
      let specs = artifacts.weightSpecs;
      if (dtype === 'float16') {
        for (const spec of specs) {
          if (spec.dtype !== 'float32') {
            throw new ModelFileError(`weight ${spec.name} is ${spec.dtype}, not float32`, dir);
          }
        }
        weightBytes = float32ToHalfBytes(new Float32Array(raw));
        specs = specs.map((s) => ({ ...s, quantization: { dtype: 'float16' as const } }));
      }
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsName], weights: specs }],
      };
      fs.mkdirSync(dir, { recursive: true });
      writeFileAtomicSync(path.join(dir, weightsName), weightBytes);
      const jsonPath = path.join(dir, 'model.json');
      writeJsonAtomicSync(jsonPath, modelJson);
      saved = {
        dtype,
        modelJson: jsonPath,
        weightsFile: path.join(dir, weightsName),
        weightsBytes: weightBytes.byteLength,
        modelJsonBytes: fs.statSync(jsonPath).size,
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!saved) throw new ModelFileError('save handler was not called', dir);
  return saved;
}

/**
 * A tfjs IOHandler that loads a layers-model from the local file system, for Node
 * without tfjs-node (whose file:// handler is the only built-in one).
 */
export function fileSystemLoader(tf: Tf, modelJsonPath: string): tfType.io.IOHandler {
  return {
    load: async () => {
      let json: tfType.io.ModelJSON;
      try {
        json = JSON.parse(fs.readFileSync(modelJsonPath, 'utf8')) as tfType.io.ModelJSON;
      } catch (err) {
        throw new ModelFileError(
          `cannot read model.json: ${(err as Error).message}`,
          modelJsonPath,
        );
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new ModelFileError('not a layers-model model.json', modelJsonPath);
      }
      const dir = path.dirname(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tfType.io.WeightsManifestEntry[] = [];
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.join(dir, p);
            if (!fs.existsSync(file)) throw new ModelFileError('weights file missing', file);
            buffers.push(fs.readFileSync(file));
          }
        }
        const total = buffers.reduce((n, b) => n + b.byteLength, 0);
        const data = new Uint8Array(total);
        let offset = 0;
        for (const b of buffers) {
          data.set(b, offset);
          offset += b.byteLength;
        }
        return [specs, data.buffer];
      });
    },
  };
}

/** Loads an exported model; the zoo's custom layers (Swish, ...) are registered first. */
export async function loadExportedModel(
  tf: Tf,
  modelJsonPath: string,
): Promise<tfType.LayersModel> {
  registerZooLayers(tf);
  return tf.loadLayersModel(fileSystemLoader(tf, modelJsonPath));
}
