import * as fs from 'fs';
import * as path from 'path';

/**
 * The installed version of a package, read from its package.json where Node would find it
 * (ESM-only packages such as vega do not export './package.json', so it is located by
 * the resolution paths instead). Null when not installed.
 */
export function packageVersion(name: string): string | null {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, 'package.json');
    if (fs.existsSync(file)) {
      const { version } = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
      return typeof version === 'string' ? version : null;
    }
  }
  return null;
}

/** Versions of the packages that produce a report (the charts and the PNG renderer). */
export function reportToolVersions(): Record<string, string | null> {
  const names = ['@asc/report', '@asc/zoo', 'vega', 'vega-lite', '@resvg/resvg-js'];
  return Object.fromEntries(names.map((n) => [n, packageVersion(n)]));
}
