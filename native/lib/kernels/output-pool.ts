/**
 * Recycles the Float32Arrays our kernels return once tfjs disposes their tensors.
 *
 * A fresh multi-megabyte Float32Array is fresh memory from the OS: every page faults on
 * first touch, and in a training step of Model B that costs as much as the arithmetic
 * (the same trap that makes PyTorch 2.8x slower without jemalloc). Arrays are handed
 * out per exact length, which repeats every step.
 *
 * An array is only reused when nothing else can still see it: reading a tensor's values
 * (dataSync, data, arraySync...) or wrapping part of its buffer in another tensor
 * (a zero-copy slice) marks it as escaped, and escaped arrays are left to the GC.
 */
export class OutputPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Arrays we handed out, by buffer, with how many tensors were made from them. */
  private readonly issued = new WeakMap<ArrayBuffer, { array: Float32Array; writes: number }>();
  private pooledBytes = 0;
  private readonly counts = { fresh: 0, freshBytes: 0, reused: 0, reusedBytes: 0, dropped: 0 };

  constructor(
    /** Arrays shorter than this come from `new` and are never pooled. */
    readonly minLength: number,
    /** Upper bound of the memory kept in free lists. */
    readonly maxPooledBytes: number,
  ) {}

  /** An array of `length` values with unspecified contents. */
  take(length: number): Float32Array {
    if (length < this.minLength) return new Float32Array(length);
    const reused = this.free.get(length)?.pop();
    if (reused) {
      this.pooledBytes -= reused.byteLength;
      this.counts.reused += 1;
      this.counts.reusedBytes += reused.byteLength;
    } else {
      this.counts.fresh += 1;
      this.counts.freshBytes += length * 4;
    }
    const array = reused ?? new Float32Array(length);
    this.issued.set(array.buffer as ArrayBuffer, { array, writes: 0 });
    return array;
  }

  /** Called when the backend stores `values` as a tensor's data. */
  noteWrite(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const entry = this.issued.get(values.buffer as ArrayBuffer);
    if (!entry) return;
    entry.writes += 1;
    // A second tensor on the same memory (or a view of it): no longer ours to reuse.
    if (entry.array !== values || entry.writes > 1) this.escape(values);
  }

  /** Called when values leave the backend (read by the caller). */
  escape(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.issued.delete(values.buffer as ArrayBuffer);
  }

  /** Called when the backend drops a tensor's data for good. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const entry = this.issued.get(values.buffer as ArrayBuffer);
    if (!entry || entry.array !== values) return;
    this.issued.delete(values.buffer as ArrayBuffer);
    if (this.pooledBytes + values.byteLength > this.maxPooledBytes) {
      this.counts.dropped += 1;
      return;
    }
    let list = this.free.get(values.length);
    if (!list) {
      list = [];
      this.free.set(values.length, list);
    }
    list.push(values);
    this.pooledBytes += values.byteLength;
  }

  /** Bytes held in free lists now. */
  get heldBytes(): number {
    return this.pooledBytes;
  }

  /** Allocation counters since creation: fresh arrays, reused ones, releases dropped. */
  get stats(): Readonly<typeof this.counts> {
    return { ...this.counts };
  }

  clear(): void {
    this.free.clear();
    this.pooledBytes = 0;
  }
}
