export { AddonUnavailableError, addonAvailable, loadAddon, type BuildInfo } from './addon';
export * from './audio';
export * from './cuda';
export * from './cuda-backend';
export * from './kernels';
export * from './features';
