export { DemoError, type DemoErrorCode } from './errors';
export { DEMO_FORMAT, type DemoManifest } from './manifest';
export {
  CONTENT_SECURITY_POLICY,
  serveDemo,
  type DemoServer,
  type ServeDemoOptions,
} from './serve';
export {
  MANIFEST_FILE,
  PAGE_DIR,
  writeDemo,
  type WriteDemoOptions,
  type WrittenDemo,
} from './write';
