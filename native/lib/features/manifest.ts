import * as fs from 'fs';
import * as path from 'path';
import type { FeatureConfig } from './config';
import { FeatureCacheError } from './errors';
import type { ShardDtype } from './shard';

/**
 * The cache layout (readable with plain fs, no addon needed):
 *
 *   <cacheDir>/<configHash>/manifest.json     this file: config, hash, one entry per clip
 *   <cacheDir>/<configHash>/shards/<audioHash>.<f32|f16>.seg
 *
 * Shards are content-addressed (audio bytes' hash) inside their config's directory, so
 * two configs live side by side, identical files share a shard, and a changed file gets a
 * new one. Both kinds of file are written to a temporary name and renamed.
 */
export const MANIFEST_FORMAT = 'asc-feature-cache';
export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  audioHash: string;
  audioBytes: number;
  /** Path of the shard relative to the config directory. */
  shard: string;
  dtype: ShardDtype;
  /** CRC-32 of the shard's payload. */
  checksum: number;
  segments: number;
  segmentFrames: number;
  bands: number;
  /** Valid STFT frames before padding. */
  frames: number;
  /** Planes the features were made from (1 = mono: the side plane is 0). */
  channels: number;
  shardBytes: number;
  /**
   * What computed the segments: 'cpu', 'cuda' (the two agree within 0.01 dB) or
   * 'emulated'; absent when unknown (a manifest written before devices were recorded).
   */
  device?: 'cpu' | 'cuda' | 'emulated';
  /**
   * What the audio file was (absent in entries written before it was recorded): its
   * format ('wav/pcm24', 'flac/pcm16', ...), sample rate and channels; the 1-based
   * channels used when it has more than two; `truncated` when the features are of what a
   * truncated file held (allowTruncated).
   */
  source?: ManifestSource;
}

export interface ManifestSource {
  format: string;
  sampleRateHz: number;
  channels: number;
  channelsUsed?: number[];
  truncated?: true;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: number;
  configHash: string;
  config: FeatureConfig;
  updatedAt: string;
  /** Keyed by the file's path relative to the dataset root, as in the CSVs. */
  entries: Record<string, ManifestEntry>;
}

export function configDir(cacheDir: string, configHash: string): string {
  return path.join(cacheDir, configHash);
}

export function manifestPath(cacheDir: string, configHash: string): string {
  return path.join(configDir(cacheDir, configHash), 'manifest.json');
}

/** Reads and checks a manifest; throws FeatureCacheError naming the file. */
export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FeatureCacheError(file, `cannot read the manifest: ${(err as Error).message}`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new FeatureCacheError(file, `the manifest is not valid JSON: ${(err as Error).message}`);
  }
  if (m?.format !== MANIFEST_FORMAT || typeof m.entries !== 'object' || m.entries === null) {
    throw new FeatureCacheError(file, `not a ${MANIFEST_FORMAT} manifest`);
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new FeatureCacheError(
      file,
      `manifest version ${m.version}, this code reads ${MANIFEST_VERSION}`,
    );
  }
  return m;
}

/**
 * The manifest as JSON, stamped now: a snapshot that later changes do not affect. Entries
 * are written in file order, not in the order the threads finished them, so two builds of
 * the same clips write the same text but for `updatedAt`.
 */
export function manifestText(manifest: Manifest): string {
  manifest.updatedAt = new Date().toISOString();
  const entries: Record<string, ManifestEntry> = {};
  for (const file of Object.keys(manifest.entries).sort()) entries[file] = manifest.entries[file];
  return JSON.stringify({ ...manifest, entries });
}

/** The config hashes that have a manifest under `cacheDir`. */
export function listConfigHashes(cacheDir: string): string[] {
  if (!fs.existsSync(cacheDir)) return [];
  return fs
    .readdirSync(cacheDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(cacheDir, d.name, 'manifest.json')))
    .map((d) => d.name)
    .sort();
}
