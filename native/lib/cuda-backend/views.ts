/**
 * Element views of device buffers (native/cuda/train/programs.h View): how output index
 * i of a device program maps to an element of an input (or output) buffer. Encoded as
 * [kind, rank, base, dims..., strides..., mods...]: kind 0 is contiguous (offset i),
 * 1 a broadcast scalar (offset base), 2 strided. Dimensions are merged where the layout
 * allows, so any tfjs tensor (rank <= 6) fits the device's six dimensions.
 */
export type View = number[];

export const MAX_RANK = 6;

export const CONTIGUOUS: View = [0, 0, 0];

export function scalarView(base = 0): View {
  return [1, 0, base];
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; --d) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * A strided view over output dims `dims` (row-major), element strides `strides`, and
 * optional modulo per dim; null when it needs more than MAX_RANK dims after merging.
 */
export function stridedView(
  dims: readonly number[],
  strides: readonly number[],
  base = 0,
  mods?: readonly number[],
): View | null {
  const d: number[] = [];
  const s: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < dims.length; ++i) {
    const mod = mods?.[i] ?? 0;
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    // Merge into the previous (outer) dim when it steps over this one exactly.
    if (last >= 0 && mod === 0 && m[last] === 0 && s[last] === strides[i] * dims[i]) {
      d[last] *= dims[i];
      s[last] = strides[i];
      continue;
    }
    d.push(dims[i]);
    s.push(strides[i]);
    m.push(mod === dims[i] ? 0 : mod);
  }
  if (d.length > MAX_RANK) return null;
  // Contiguous after merging: the common case, no index arithmetic on the device.
  if (base === 0 && d.length === 1 && s[0] === 1 && m[0] === 0) return CONTIGUOUS;
  if (d.length === 0) return scalarView(base);
  return [2, d.length, base, ...d, ...s, ...m];
}

/** How an input of `inShape` is read for each element of a broadcast to `outShape`. */
export function broadcastView(
  inShape: readonly number[],
  outShape: readonly number[],
): View | null {
  if (size(inShape) === 1) return scalarView(0);
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const strides = outShape.map((_, d) => {
    const k = d - offset;
    return k < 0 || inShape[k] === 1 ? 0 : inStrides[k];
  });
  return stridedView(outShape, strides);
}

/** The elements a view reads for n outputs (its extent), as the device checks it. */
export function viewExtent(view: View, n: number): number {
  if (n === 0) return 0;
  if (view[0] === 0) return n;
  if (view[0] === 1) return view[2] + 1;
  const rank = view[1];
  let last = view[2];
  for (let d = 0; d < rank; ++d) {
    const dim = view[3 + d];
    const mod = view[3 + 2 * rank + d];
    last += ((mod !== 0 && mod < dim ? mod : dim) - 1) * view[3 + rank + d];
  }
  return last + 1;
}
