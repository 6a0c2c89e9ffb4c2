export { AddonUnavailableError, addonAvailable, loadAddon, type BuildInfo } from './addon';
export * from './features';
