import { AscError, describeError } from '../src';

class ExampleError extends AscError {
  constructor(
    readonly file: string,
    cause?: unknown,
  ) {
    super('example-broken', `${file}: broken`, { context: { file, line: undefined }, cause });
  }
}

describe('AscError', () => {
  it('carries a code, a frozen context without undefined entries, a cause and its class name', () => {
    const cause = new Error('EIO');
    const err = new ExampleError('/a/b.json', cause);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(AscError);
    expect(err.name).toBe('ExampleError');
    expect(err.message).toBe('/a/b.json: broken');
    expect(err.code).toBe('example-broken');
    expect(err.context).toEqual({ file: '/a/b.json' });
    expect(Object.isFrozen(err.context)).toBe(true);
    expect(err.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'ExampleError',
      code: 'example-broken',
      message: '/a/b.json: broken',
      context: { file: '/a/b.json' },
    });
  });

  it('describes any thrown value by code and context', () => {
    expect(describeError(new ExampleError('f'))).toEqual({
      code: 'example-broken',
      context: { file: 'f' },
    });
    const enoent = Object.assign(new Error('ENOENT: no such file'), {
      code: 'ENOENT',
      path: '/nope',
      syscall: 'open',
    });
    expect(describeError(enoent)).toEqual({
      code: 'ENOENT',
      context: { file: '/nope', syscall: 'open' },
    });
    expect(describeError(new RangeError('x'))).toEqual({ code: 'unexpected', context: {} });
    expect(describeError('a string')).toEqual({ code: 'unexpected', context: {} });
  });
});
