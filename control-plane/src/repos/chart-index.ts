import semver from "semver";

/** One published version of a chart, as much of its index entry as we use. */
export interface ChartVersionInfo {
  readonly version: string;
  readonly appVersion?: string;
  readonly description?: string;
  readonly created?: string;
  /** sha256 of the archive, hex, as the index gives it. */
  readonly digest?: string;
  /** Archive locations; relative ones resolve against the repository URL. */
  readonly urls: readonly string[];
  readonly deprecated?: boolean;
  readonly kubeVersion?: string;
}

/** A chart and its versions, newest first. */
export interface IndexedChart {
  readonly name: string;
  readonly versions: readonly ChartVersionInfo[];
}

/** A parsed repository index, reduced to what listing and fetching need. */
export interface ChartIndex {
  readonly apiVersion: string;
  readonly generated?: string;
  /** Sorted by name. */
  readonly charts: readonly IndexedChart[];
  /** Entries dropped because they had no version or no URL (Helm skips them too). */
  readonly skipped: number;
}

/** A version entry as read from the file, before validation. */
export interface RawVersion {
  version?: string;
  appVersion?: string;
  description?: string;
  created?: string;
  digest?: string;
  urls?: string[];
  deprecated?: boolean;
  kubeVersion?: string;
}

/** The index as read from the file, before validation and ordering. */
export interface RawIndex {
  apiVersion?: string;
  generated?: string;
  /** False when the document has no `entries` key at all. */
  hasEntries: boolean;
  entries: Array<{ name: string; versions: RawVersion[] }>;
}

/** True when an entry has what Helm requires to use it. */
export function isUsableVersion(v: RawVersion): boolean {
  return !!v.version && !!v.urls && v.urls.length > 0;
}

/**
 * Validates and orders a raw index: unusable entries are dropped and counted,
 * versions go newest first, charts by name. Both parsers end here, so the
 * fast scanner and the full YAML fallback cannot disagree on the result.
 */
export function toChartIndex(raw: RawIndex): ChartIndex {
  let skipped = 0;
  const charts: IndexedChart[] = [];
  for (const entry of raw.entries) {
    const versions: ChartVersionInfo[] = [];
    for (const v of entry.versions) {
      if (!isUsableVersion(v)) {
        skipped++;
        continue;
      }
      versions.push(normalise(v));
    }
    if (versions.length > 0) charts.push({ name: entry.name, versions: sortNewestFirst(versions) });
  }
  charts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    apiVersion: raw.apiVersion ?? "v1",
    ...(raw.generated !== undefined ? { generated: raw.generated } : {}),
    charts,
    skipped,
  };
}

/**
 * Orders versions newest first by semver precedence (a pre-release sorts
 * below its release). Versions that are not semver, even loosely, go last,
 * newest `created` first, so odd entries stay visible without outranking real ones.
 */
export function sortNewestFirst<T extends { version: string; created?: string }>(
  versions: readonly T[],
): T[] {
  // Parse once per version: comparing with semver.rcompare would re-parse on every comparison.
  const keyed = versions.map((v) => ({ v, sv: semver.parse(v.version, { loose: true }) }));
  keyed.sort((a, b) => {
    if (a.sv && b.sv) return b.sv.compare(a.sv) || cmpStr(b.v.version, a.v.version);
    if (a.sv) return -1;
    if (b.sv) return 1;
    return cmpStr(b.v.created ?? "", a.v.created ?? "") || cmpStr(b.v.version, a.v.version);
  });
  return keyed.map((k) => k.v);
}

/** Same fields in the same order whichever parser made it: one object shape, stable JSON. */
function normalise(v: RawVersion): ChartVersionInfo {
  return {
    version: v.version ?? "",
    ...(v.appVersion !== undefined ? { appVersion: v.appVersion } : {}),
    ...(v.description !== undefined ? { description: v.description } : {}),
    ...(v.created !== undefined ? { created: v.created } : {}),
    ...(v.digest !== undefined ? { digest: v.digest } : {}),
    urls: v.urls ?? [],
    ...(v.deprecated ? { deprecated: true } : {}),
    ...(v.kubeVersion !== undefined ? { kubeVersion: v.kubeVersion } : {}),
  };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Picks a version of a chart: an exact version string first, then the highest
 * version satisfying a semver range. No version means the newest stable
 * release, as `helm install` picks it. Undefined when nothing matches.
 */
export function pickVersion(
  chart: IndexedChart,
  wanted: string | undefined,
): ChartVersionInfo | undefined {
  const spec = wanted?.trim() || undefined;
  if (spec) {
    const exact = chart.versions.find((v) => v.version === spec || v.version === `v${spec}`);
    if (exact) return exact;
    if (semver.validRange(spec, { loose: true }) === null) return undefined;
  }
  const range = spec ?? "*";
  // Versions are newest first, so the first match is the highest one.
  return chart.versions.find((v) => {
    const sv = semver.parse(v.version, { loose: true });
    return sv !== null && semver.satisfies(sv, range, { loose: true });
  });
}
