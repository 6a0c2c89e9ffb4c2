import { opCode } from './binding';
import type { KernelArgs, NativeContext, NativeKernel, TensorInfo } from './context';

function matMulWith(args: KernelArgs, ctx: NativeContext, fused: boolean): TensorInfo | null {
  const attrs = args.attrs ?? {};
  const { a, b, bias } = args.inputs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return null;
  const av = ctx.values(args, a);
  const bv = ctx.values(args, b);
  if (!av || !bv) return null;
  const activationName = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
  const activation = opCode(ctx.native.ops.activation, activationName);
  if (activation === undefined || (fused && args.inputs.preluActivationWeights)) return null;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((x, y) => x * y, 1);
  const batchB = outerB.reduce((x, y) => x * y, 1);
  // Batch broadcasting beyond "equal, or one side a single matrix" stays with JS.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const outer = ctx.tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  let bv2: Float32Array | null = null;
  if (bias) {
    bv2 = ctx.values(args, bias);
    const bl = bias.shape.reduce((x, y) => x * y, 1);
    if (!bv2 || (bl !== 1 && (bl !== n || bias.shape[bias.shape.length - 1] !== n))) return null;
  }
  const alpha = Number(attrs.leakyreluAlpha ?? 0.2);
  return ctx.output(args, [...outer, m, n], (out) =>
    ctx.native.matMul(
      av,
      bv,
      bv2,
      out,
      [batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0],
      activation,
      alpha,
    ),
  );
}

export const batchMatMul: NativeKernel = (args, ctx) => matMulWith(args, ctx, false);
export const fusedMatMul: NativeKernel = (args, ctx) => matMulWith(args, ctx, true);
