import * as path from 'path';
import { SqliteTrialStore } from './sqlite-store';
import type { TrialStore } from './trial-store';

/**
 * Opens the trial store a location names: a SQLite file path (or `sqlite:PATH`). Other
 * engines (PostgreSQL URLs) plug in here; worker processes reopen the store by the same
 * location string, so it must be all a process needs to reach the store.
 */
export async function openTrialStore(location: string): Promise<TrialStore> {
  if (/^postgres(ql)?:\/\//i.test(location)) {
    // Loaded on demand: SQLite users never load the pg client.
    const { PostgresTrialStore } = require('./postgres-store') as typeof import('./postgres-store');
    return PostgresTrialStore.open(location);
  }
  const file = location.startsWith('sqlite:') ? location.slice('sqlite:'.length) : location;
  return SqliteTrialStore.open(path.resolve(file));
}

/** The location with any password removed, for messages and records. */
export function redactUrl(location: string): string {
  return location.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, '$1:***@');
}
