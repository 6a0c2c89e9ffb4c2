export { AddonUnavailableError, addonAvailable, loadAddon, type BuildInfo } from './addon';
export * from './audio';
export * from './kernels';
export * from './features';
