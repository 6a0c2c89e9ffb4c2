// Scalograms as pictures: time left to right, frequency bottom to top.

/** Viridis as Matt Zucker's degree-6 polynomial fit (channels in 0..1 from t in 0..1). */
const VIRIDIS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/** 256 RGB entries of viridis. */
const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = VIRIDIS.length - 1; k >= 0; k--) v = v * t + VIRIDIS[k][c];
      lut[i * 3 + c] = Math.round(255 * v);
    }
  }
  return lut;
})();

/** One plane of frames x bands values (row-major, `stride` values per frame cell). */
export interface PlaneView {
  data: Float32Array;
  frames: number;
  bands: number;
  /** Values between two frames' cells of one band (2 for interleaved mid/side). */
  stride: number;
  /** Offset of this plane within a cell (0 mid, 1 side). */
  offset: number;
}

/** The value range of a plane's cells. */
export function planeRange(p: PlaneView): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let f = 0; f < p.frames; f++) {
    for (let b = 0; b < p.bands; b++) {
      const v = p.data[(f * p.bands + b) * p.stride + p.offset];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return [lo, hi];
}

/** Column x of the picture shows frame frameAt(x) of `p`, coloured over `range`. */
function paint(
  context: CanvasRenderingContext2D,
  p: PlaneView,
  range: [number, number],
  columns: number,
  frameAt: (x: number) => number,
): ImageData {
  const image = context.createImageData(columns, p.bands);
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let x = 0; x < columns; x++) {
    const f = frameAt(x);
    for (let b = 0; b < p.bands; b++) {
      const v = p.data[(f * p.bands + b) * p.stride + p.offset];
      const i = Math.max(0, Math.min(255, Math.round((v - lo) * scale)));
      const at = ((p.bands - 1 - b) * columns + x) * 4;
      image.data[at] = LUT[i * 3];
      image.data[at + 1] = LUT[i * 3 + 1];
      image.data[at + 2] = LUT[i * 3 + 2];
      image.data[at + 3] = 255;
    }
  }
  return image;
}

/** Widest picture drawn: longer recordings show one frame in every few. */
export const MAX_COLUMNS = 4096;

/**
 * Draws frames [0, p.frames) into `canvas` (one column per frame up to MAX_COLUMNS, one
 * row per band, the lowest band at the bottom), colours spanning `range`.
 */
export function drawPlane(canvas: HTMLCanvasElement, p: PlaneView, range: [number, number]): void {
  const columns = Math.max(1, Math.min(p.frames, MAX_COLUMNS));
  canvas.width = columns;
  canvas.height = p.bands;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.putImageData(
    paint(context, p, range, columns, (x) => Math.floor((x * p.frames) / columns)),
    0,
    0,
  );
}

/**
 * A picture that scrolls left as frames arrive (the microphone's): the newest frame at the
 * right edge, `columns` frames wide.
 */
export class RollingPicture {
  private readonly context: CanvasRenderingContext2D | null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    bands: number,
    columns: number,
  ) {
    canvas.width = columns;
    canvas.height = bands;
    this.context = canvas.getContext('2d');
    this.clear();
  }

  clear(): void {
    if (!this.context) return;
    this.context.fillStyle = `rgb(${LUT[0]}, ${LUT[1]}, ${LUT[2]})`;
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Appends the frames of `p` at the right edge, coloured over `range`. */
  push(p: PlaneView, range: [number, number]): void {
    const { context, canvas } = this;
    if (!context || p.frames === 0) return;
    const n = Math.min(p.frames, canvas.width);
    const { width, height } = canvas;
    context.drawImage(canvas, n, 0, width - n, height, 0, 0, width - n, height);
    context.putImageData(
      paint(context, p, range, n, (x) => p.frames - n + x),
      width - n,
      0,
    );
  }
}
