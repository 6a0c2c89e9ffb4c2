import * as fs from 'fs';
import * as path from 'path';
import { AscError } from '@asc/core';

/** The addon could not be loaded; `cause` says why (not built, wrong platform, ...). */
export class AddonUnavailableError extends AscError {
  constructor(
    message: string,
    readonly searched: string[],
  ) {
    super('addon-unavailable', message, { context: { searched } });
  }
}

/** What the compiled addon says about itself. */
export interface BuildInfo {
  napiVersion: number;
  hardwareThreads: number;
  cudaCompiled: boolean;
  compiler: string;
  /** The audio libraries linked: libsndfile's and libsoxr's version strings. */
  sndfile: string;
  soxr: string;
}

// The raw binding is typed loosely here; each facade module (features, kernels) narrows
// the functions it uses.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawAddon = Record<string, any> & { buildInfo(): BuildInfo };

let cached: RawAddon | undefined;
let loadError: AddonUnavailableError | undefined;

function candidates(): string[] {
  const root = path.join(__dirname, '..');
  return [
    process.env.ASC_NATIVE_ADDON ?? '',
    path.join(root, 'build', 'Release', 'asc_native.node'),
    path.join(root, 'build', 'Debug', 'asc_native.node'),
  ].filter((p) => p !== '');
}

/** Loads the compiled addon, or throws AddonUnavailableError naming where it looked. */
export function loadAddon(): RawAddon {
  if (cached) return cached;
  if (loadError) throw loadError;
  if (process.env.ASC_NATIVE === '0') {
    loadError = new AddonUnavailableError('the native addon is disabled (ASC_NATIVE=0)', []);
    throw loadError;
  }
  const searched = candidates();
  const found = searched.find((p) => fs.existsSync(p));
  if (!found) {
    loadError = new AddonUnavailableError(
      `the native addon is not built (looked in ${searched.join(', ')}); run: npx nx run native:build`,
      searched,
    );
    throw loadError;
  }
  try {
    cached = require(found) as RawAddon;
    return cached;
  } catch (err) {
    loadError = new AddonUnavailableError(
      `the native addon at ${found} failed to load: ${(err as Error).message}`,
      searched,
    );
    throw loadError;
  }
}

/** True when the addon can be loaded (never throws). */
export function addonAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}
