/**
 * API versions served: every release from 41.0 (the oldest a sync engine needs: Bulk 2.0 ingest)
 * through the configured maximum (salesforce-wire.md §0).
 */

export const MIN_API_VERSION = 41;

export function parseVersion(v: string): number | undefined {
  const m = /^v?(\d{2,3})\.0$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export function isServedVersion(v: string, max: string): boolean {
  const n = parseVersion(v);
  const top = parseVersion(max);
  return n !== undefined && top !== undefined && n >= MIN_API_VERSION && n <= top;
}

/** Release name: three releases a year, 41.0 being Winter '18 (62.0 → Winter '25). */
export function releaseLabel(version: number): string {
  const index = version - 41;
  const season = ['Winter', 'Spring', 'Summer'][((index % 3) + 3) % 3] ?? 'Winter';
  const year = 18 + Math.floor(index / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

export interface VersionInfo {
  label: string;
  url: string;
  version: string;
}

export function servedVersions(max: string): VersionInfo[] {
  const top = parseVersion(max) ?? MIN_API_VERSION;
  const out: VersionInfo[] = [];
  for (let v = MIN_API_VERSION; v <= top; v++) {
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

/** The `vXX.X` prefix of REST routes, with the version as the named group `version`. */
export const REST_PREFIX = String.raw`^/services/data/v(?<version>\d+\.\d)`;
