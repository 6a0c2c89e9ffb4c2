import { createHash } from 'crypto';
import {
  FEATURE_CONFIG_FIELDS,
  FEATURE_PIPELINE_VERSION,
  resolveFeatureConfig,
  type FeatureConfig,
} from './config';

// Apart from config.ts because it needs Node's crypto, which the browser page must not.

/**
 * A stable 16-hex-digit hash of the resolved config: the same values give the same hash
 * whatever the key order or which fields were left at their defaults.
 */
export function featureConfigHash(config: Partial<FeatureConfig>): string {
  const c = resolveFeatureConfig(config);
  const canonical = JSON.stringify([
    FEATURE_PIPELINE_VERSION,
    ...FEATURE_CONFIG_FIELDS.map((k) => [k, c[k]]),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
