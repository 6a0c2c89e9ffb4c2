import type * as tfType from '@tensorflow/tfjs';
import type { Rng } from '@asc/core';

type Tf = typeof tfType;

/**
 * tfjs initialisers draw from Math.random unless their config carries a seed, and model
 * builders do not pass one. To make a run's initial weights a function of its seed, the
 * model is rebuilt from its own topology with a seed derived from `rng` written into every
 * random initialiser. Layers must be serialisable (custom ones registered with
 * tf.serialization.registerClass), which export needs anyway.
 */
export async function seededCopy(
  tf: Tf,
  model: tfType.LayersModel,
  rng: Rng,
): Promise<tfType.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as tfType.io.ModelJSON['modelTopology'];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    const config = obj.config as Record<string, unknown> | undefined;
    // Serialised topologies use Keras's snake_case keys ('class_name').
    const className = obj.class_name ?? obj.className;
    if (typeof className === 'string' && config && typeof config === 'object' && 'seed' in config) {
      config.seed = rng.seed();
    }
    for (const value of Object.values(obj)) visit(value);
  };
  visit(topology);
  return tf.models.modelFromJSON({
    modelTopology: topology as tfType.io.ModelJSON['modelTopology'],
  });
}
