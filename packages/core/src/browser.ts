// What a browser bundle gets for `@asc/core` (the "browser" condition of its exports):
// every module but the atomic writer, which needs Node's fs.
export * from './errors';
export * from './random';
