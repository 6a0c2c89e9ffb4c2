import { createHash } from 'crypto';
import {
  DEFAULT_FEATURE_CONFIG,
  FEATURE_CONFIG_FIELDS,
  FEATURE_PIPELINE_VERSION,
  LATER_FEATURE_CONFIG_FIELDS,
  resolveFeatureConfig,
  type FeatureConfig,
} from './config';

// Apart from config.ts because it needs Node's crypto, which the browser page must not.

function isDefault(key: keyof FeatureConfig, value: unknown): boolean {
  return JSON.stringify(value) === JSON.stringify(DEFAULT_FEATURE_CONFIG[key]);
}

/**
 * A stable 16-hex-digit hash of the resolved config: the same values give the same hash
 * whatever the key order or which fields were left at their defaults; the later fields
 * (LATER_FEATURE_CONFIG_FIELDS) at their defaults are left out.
 */
export function featureConfigHash(config: Partial<FeatureConfig>): string {
  const c = resolveFeatureConfig(config);
  const fields = FEATURE_CONFIG_FIELDS.filter(
    (k) => !LATER_FEATURE_CONFIG_FIELDS.includes(k) || !isDefault(k, c[k]),
  );
  const canonical = JSON.stringify([FEATURE_PIPELINE_VERSION, ...fields.map((k) => [k, c[k]])]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
