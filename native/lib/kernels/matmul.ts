import { opCode } from './binding';
import type { KernelArgs, NativeContext, NativeKernel, TensorInfo } from './context';
/** A BatchMatMul / _FusedMatMul the native kernels compute. */
export interface MatMulPlan {
  outShape: number[];
  /** batchA, batchB, m, n, k, transposeA (0/1), transposeB (0/1). */
  shape: [number, number, number, number, number, number, number];
  activation: number;
  alpha: number;
  bias: TensorInfo | null;
}

/**
 * What a BatchMatMul or _FusedMatMul (`fused`) computes, or null for arguments the
 * native kernels leave to tfjs's (shared by the CPU and the CUDA backend).
 */
export function matMulPlan(
  tf: NativeContext['tf'],
  activationCodes: Readonly<Record<string, number>>,
  args: KernelArgs,
  fused: boolean,
): MatMulPlan | null {
  const attrs = args.attrs ?? {};
  const { a, b, bias } = args.inputs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const activationName = fused ? ((attrs.activation as string | undefined) ?? 'linear') : 'linear';
  const activation = opCode(activationCodes, activationName);
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
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  if (bias) {
    const bl = bias.shape.reduce((x, y) => x * y, 1);
    if (
      bias.dtype !== 'float32' ||
      (bl !== 1 && (bl !== n || bias.shape[bias.shape.length - 1] !== n))
    ) {
      return null;
    }
  }
  return {
    outShape: [...outer, m, n],
    shape: [batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0],
    activation,
    alpha: Number(attrs.leakyreluAlpha ?? 0.2),
    bias: bias ?? null,
  };
}

function matMulWith(args: KernelArgs, ctx: NativeContext, fused: boolean): TensorInfo | null {
  const plan = matMulPlan(ctx.tf, ctx.native.ops.activation, args, fused);
  if (!plan) return null;
  const av = ctx.values(args, args.inputs.a);
  const bv = ctx.values(args, args.inputs.b);
  const biasValues = plan.bias ? ctx.values(args, plan.bias) : null;
  if (!av || !bv || (plan.bias && !biasValues)) return null;
  return ctx.output(args, plan.outShape, (out) =>
    ctx.native.matMul(av, bv, biasValues, out, plan.shape, plan.activation, plan.alpha),
  );
}

export const batchMatMul: NativeKernel = (args, ctx) => matMulWith(args, ctx, false);
export const fusedMatMul: NativeKernel = (args, ctx) => matMulWith(args, ctx, true);
