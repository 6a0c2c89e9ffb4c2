export { AddonUnavailableError, addonAvailable, loadAddon, type BuildInfo } from './addon';
export * from './audio';
export * from './cuda';
export * from './kernels';
export * from './features';
