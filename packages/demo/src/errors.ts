import { AscError } from '@asc/core';

/** Why a demo folder could not be written or served. */
export type DemoErrorCode =
  | 'demo-page-missing'
  | 'demo-folder-taken'
  | 'demo-model-missing'
  | 'demo-port-in-use'
  | 'demo-big-endian';

/** A demo folder that cannot be written or served; `path` names the file or folder. */
export class DemoError extends AscError {
  constructor(
    override readonly code: DemoErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(code, `${path}: ${detail}`, { context: { path } });
  }
}
