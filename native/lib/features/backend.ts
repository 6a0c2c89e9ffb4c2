import { addonAvailable, loadAddon } from '../addon';

/** Where the features are computed: the C++ addon, or TypeScript with fftw-js. */
export type FeatureBackend = 'native' | 'js';

/**
 * The backend to use: `requested` when given ('native' throws AddonUnavailableError if
 * the addon is missing), else 'native' when the addon loads and 'js' otherwise.
 */
export function resolveFeatureBackend(requested?: FeatureBackend): FeatureBackend {
  if (requested === 'native') {
    loadAddon();
    return 'native';
  }
  if (requested === 'js') return 'js';
  return addonAvailable() ? 'native' : 'js';
}
