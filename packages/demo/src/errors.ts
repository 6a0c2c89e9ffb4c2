/** A demo folder that cannot be written or served; `path` names the file or folder. */
export class DemoError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'DemoError';
  }
}
