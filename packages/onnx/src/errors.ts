import { AscError } from '@asc/core';

/** A model the ONNX export cannot write (an unsupported layer, shape or setting). */
export class OnnxExportError extends AscError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super('onnx-export-unsupported', message, { context });
  }
}

/** An ONNX file that cannot be used: names the file and the problem. */
export class OnnxModelFileError extends AscError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super('onnx-model-invalid', `${file}: ${message}`, { context: { file }, cause });
  }
}
