import type { KernelArgs, NativeKernel } from './context';

/**
 * The numbers of an Adam step's attrs, in the order the addon's kernel and asc-cuda's
 * device kernel take them: beta1, beta2, epsilon, weightDecay (0 when absent), stepSize,
 * sqrtC2.
 */
export function adamStepParams(
  attrs: KernelArgs['attrs'],
): [number, number, number, number, number, number] {
  const a = attrs ?? {};
  return [
    Number(a.beta1),
    Number(a.beta2),
    Number(a.epsilon),
    Number(a.weightDecay ?? 0),
    Number(a.stepSize),
    Number(a.sqrtC2),
  ];
}

/**
 * One Adam step with L2 weight decay for one variable, as the kernel the addon adds
 * (NativeKernelNames.adamStep): inputs `w`, `g`, `m`, `v` (float32, one shape); attrs
 * `beta1`, `beta2`, `epsilon`, `weightDecay`, `stepSize` (lr / (1 - beta1^t)), `sqrtC2`
 * (sqrt(1 - beta2^t)); outputs [w', m', v'] (see src/kernels/adam.h). An optimiser
 * dispatches it by name when the backend has it (the trainer's AdamL2 does): one call per
 * variable where the tensor-op chain is a dozen, which at small batches is a tenth of a
 * training step.
 */
export const adamStepKernel: NativeKernel = (args, ctx) => {
  const { w, g, m, v } = args.inputs;
  const values = [w, g, m, v].map((t) => ctx.values(args, t));
  if (!w || values.some((x) => !x || x.length !== values[0]?.length)) return null;
  const [wv, gv, mv, vv] = values as Float32Array[];
  const outs = [0, 1, 2].map(() => ctx.allocate(w.shape));
  ctx.native.adamStep(wv, gv, mv, vv, outs[0], outs[1], outs[2], ...adamStepParams(args.attrs));
  return outs.map((o) => ctx.tensor(args, w.shape, o));
};
