import * as fs from 'fs';
import { writeFileAtomicSync, AscError } from '@asc/core';

/**
 * A checkpoint is one file, so it is replaced atomically as a whole:
 *   8 bytes magic 'ASCCKPT1' | uint32 LE header length | header JSON (UTF-8) |
 *   zero padding to a multiple of 4 | the float32 tensors, in header order.
 * The header's `meta` is whatever the trainer needs to resume (epoch, RNG states,
 * history); `tensors` names each array (model weights in model.weights order, then the
 * optimiser's moments).
 */
const MAGIC = 'ASCCKPT1';

export interface CheckpointTensor {
  name: string;
  values: Float32Array;
}

interface TensorEntry {
  name: string;
  length: number;
}

interface Header<M> {
  meta: M;
  tensors: TensorEntry[];
}

export class CheckpointError extends AscError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super('checkpoint-invalid', `${file}: ${message}`, { context: { file } });
  }
}

export function writeCheckpoint<M>(file: string, meta: M, tensors: CheckpointTensor[]): void {
  const header: Header<M> = {
    meta,
    tensors: tensors.map((t) => ({ name: t.name, length: t.values.length })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((12 + headerBytes.length) / 4) * 4;
  const total = start + tensors.reduce((n, t) => n + t.values.length * 4, 0);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(out, 12);
  let offset = start;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    out.set(bytes, offset);
    offset += bytes.length;
  }
  writeFileAtomicSync(file, out);
}

export function readCheckpoint<M>(file: string): { meta: M; tensors: CheckpointTensor[] } {
  const buf = fs.readFileSync(file);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new CheckpointError('not a checkpoint (bad magic)', file);
  }
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) throw new CheckpointError('truncated header', file);
  let header: Header<M>;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header<M>;
  } catch (err) {
    throw new CheckpointError(`corrupt header: ${(err as Error).message}`, file);
  }
  let offset = Math.ceil((12 + headerLength) / 4) * 4;
  const tensors: CheckpointTensor[] = [];
  for (const entry of header.tensors) {
    const bytes = entry.length * 4;
    if (offset + bytes > buf.length)
      throw new CheckpointError(`truncated at '${entry.name}'`, file);
    // Copy out so the arrays do not pin the whole file buffer.
    const values = new Float32Array(entry.length);
    new Uint8Array(values.buffer).set(buf.subarray(offset, offset + bytes));
    tensors.push({ name: entry.name, values });
    offset += bytes;
  }
  if (offset !== buf.length) throw new CheckpointError('trailing bytes after the tensors', file);
  return { meta: header.meta, tensors };
}
