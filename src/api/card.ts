import { sumOnNanosecondGrid } from "../format/time.js";
import type { Dependencies } from "../core/dependencies.js";
import type { Database, Scheme, SchemeLabels } from "../format/index.js";
import { dependencies, latestVersion, versions } from "./discovery.js";
import { info } from "./info.js";

/** What the media of one version amount to (removed media excluded). */
export interface MediaFacts {
  /** Media files (removed ones apart). */
  files: number;
  /** Media files removed from every version (`removeMedia`), not counted in the other facts. */
  removed: number;
  /** Total duration in seconds. */
  duration: number;
  samplingRates: number[];
  channels: number[];
  bitDepths: number[];
  formats: string[];
}

/** One row of a data card's version table. */
export interface VersionFacts {
  version: string;
  files: number;
  duration: number;
}

/** Everything a data card shows: the header, the media facts of `version` and the versions. */
export interface DataCardInput {
  name: string;
  version: string;
  header: Database;
  deps: Dependencies;
  versions: VersionFacts[];
}

const sortedDistinct = <T extends number | string>(values: Iterable<T>): T[] =>
  [...new Set(values)].sort((a, b) => (typeof a === "number" ? a - (b as number) : String(a).localeCompare(String(b))));

/** Media facts of a dependency table: files, duration and the distinct audio properties. */
export function mediaFacts(deps: Dependencies): MediaFacts {
  const all = deps.media.map((f) => deps.get(f));
  const rows = all.filter((r) => !r.removed);
  return {
    files: rows.length,
    removed: all.length - rows.length,
    duration: sumOnNanosecondGrid(rows.map((r) => r.duration)),
    samplingRates: sortedDistinct(rows.map((r) => r.samplingRate).filter((v) => v > 0)),
    channels: sortedDistinct(rows.map((r) => r.channels).filter((v) => v > 0)),
    bitDepths: sortedDistinct(rows.map((r) => r.bitDepth).filter((v) => v > 0)),
    formats: sortedDistinct(rows.map((r) => r.format).filter((v) => v !== "")),
  };
}

/** A duration as `2 h 03 min 04 s`, `5 min 02 s` or `3.25 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(2))} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h} h ${pad(m)} min ${pad(s % 60)} s` : `${m} min ${pad(s % 60)} s`;
}

/** Text safe inside a Markdown table cell. */
const cell = (text: string | number | undefined): string => String(text ?? "").replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");

function table(head: string[], rows: (string | number | undefined)[][]): string {
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.map(cell).join(" | ")} |`).join("\n");
}

/** Scheme labels in a few words: the misc table they come from, or the first labels. */
export function describeLabels(scheme: Scheme, max = 10): string {
  const labels = scheme.labels;
  if (labels === undefined) return "";
  if (typeof labels === "string") return `misc table '${labels}'`;
  const keys = (Array.isArray(labels) ? labels : [...labels.keys()]).map(String);
  return keys.length > max ? `${keys.slice(0, max).join(", ")}, … (${keys.length})` : keys.join(", ");
}

/** A table of the header, as data cards and `audb info` show it. */
export interface TableSummary {
  id: string;
  type: "filewise" | "segmented" | "misc";
  splitId?: string;
  mediaId?: string;
  description?: string;
  columns: { id: string; schemeId?: string; raterId?: string }[];
}

/** A scheme of the header, as data cards and `audb info` show it. */
export interface SchemeSummary {
  id: string;
  dtype: string;
  /** Labels in a few words (see {@link describeLabels}). */
  labels: string;
  /** The labels themselves: a list, an object of label -> description, or the misc table's id. */
  labelValues?: unknown;
  minimum?: number;
  maximum?: number;
  description?: string;
}

/** Tables, then misc tables, with their columns. */
export function tableSummaries(db: Database): TableSummary[] {
  const all = [
    ...[...db.tables].map(([id, t]) => ({ id, type: t.type, table: t })),
    ...[...db.miscTables].map(([id, t]) => ({ id, type: "misc" as const, table: t })),
  ];
  return all.map(({ id, type, table }) => ({
    id, type, splitId: table.splitId, mediaId: table.mediaId, description: table.description ?? undefined,
    columns: [...table.columns].map(([cid, c]) => ({ id: cid, schemeId: c.schemeId, raterId: c.raterId })),
  }));
}

/** Schemes with dtype, labels and range. */
export function schemeSummaries(db: Database): SchemeSummary[] {
  return [...db.schemes].map(([id, s]) => ({
    id, dtype: s.dtype, labels: describeLabels(s), labelValues: labelValues(s.labels), minimum: s.minimum, maximum: s.maximum, description: s.description,
  }));
}

function labelValues(labels: SchemeLabels | undefined): unknown {
  return labels instanceof Map ? Object.fromEntries([...labels].map(([k, v]) => [k instanceof Date ? k.toISOString() : String(k), v])) : labels;
}

/** `column (scheme)` list of a table; the scheme is left out where it equals the column id. */
export function describeColumns(table: TableSummary): string {
  return table.columns.map((c) => (c.schemeId && c.schemeId !== c.id ? `${c.id} (${c.schemeId})` : c.id)).join(", ");
}

/** `8000 Hz, 16000 Hz`-style list, `–` when empty. */
export function listOf(values: (string | number)[], unit = ""): string {
  return values.length === 0 ? "–" : values.map((v) => `${v}${unit}`).join(", ");
}

/**
 * A Markdown data card: description, license, languages, source, media facts, tables with
 * their columns and schemes, splits and a table of versions. Pure: no I/O.
 */
export function renderDataCard(input: DataCardInput): string {
  const { header: db, version } = input;
  const facts = mediaFacts(input.deps);
  const license = db.license === undefined ? "–" : db.licenseUrl ? `[${db.license}](${db.licenseUrl})` : db.license;
  const overview: [string, string | number][] = [
    ["Version", version],
    ["License", license],
    ["Usage", db.usage],
    ["Languages", listOf(db.languages)],
    ["Source", db.source || "–"],
    ...(db.author ? [["Author", db.author] as [string, string]] : []),
    ...(db.organization ? [["Organization", db.organization] as [string, string]] : []),
    ["Media files", facts.files],
    ["Duration", formatDuration(facts.duration)],
    ["Sampling rates", listOf(facts.samplingRates, " Hz")],
    ["Channels", listOf(facts.channels)],
    ["Bit depths", listOf(facts.bitDepths)],
    ["Formats", listOf(facts.formats)],
  ];
  const tables = tableSummaries(db).map((t) => [t.id, t.type, t.splitId, describeColumns(t)]);
  const schemes = schemeSummaries(db).map((x) => [x.id, x.dtype, x.labels, x.minimum, x.maximum, x.description]);
  const splits = [...db.splits].map(([id, s]) => [id, s.type, s.description]);
  const versionRows = input.versions.map((v) => [v.version === version ? `**${v.version}**` : v.version, v.files, formatDuration(v.duration)]);

  const sections = [
    `# ${input.name}`,
    db.description ?? "",
    table(["", ""], overview),
    "## Tables",
    tables.length ? table(["Table", "Type", "Split", "Columns (scheme)"], tables) : "No tables.",
    "## Schemes",
    schemes.length ? table(["Scheme", "Dtype", "Labels", "Minimum", "Maximum", "Description"], schemes) : "No schemes.",
    "## Splits",
    splits.length ? table(["Split", "Type", "Description"], splits) : "No splits.",
    "## Versions",
    table(["Version", "Media files", "Duration"], versionRows),
  ];
  return sections.filter((s) => s !== "").join("\n\n") + "\n";
}

/**
 * Collects what {@link renderDataCard} needs for `name` `version` (default: latest):
 * header and dependency tables only, no media. The version table lists every
 * published version.
 */
export async function dataCardInput(name: string, options: { version?: string } = {}): Promise<DataCardInput> {
  const version = options.version ?? (await latestVersion(name));
  const [header, deps, all] = await Promise.all([info.header(name, { version, loadTables: false }), dependencies(name, { version }), versions(name)]);
  const rows: VersionFacts[] = [];
  for (const v of all) {
    const facts = mediaFacts(v === version ? deps : await dependencies(name, { version: v }));
    rows.push({ version: v, files: facts.files, duration: facts.duration });
  }
  return { name, version, header, deps, versions: rows };
}

/** A Markdown data card of `name` `version` (default: latest), from header and dependency tables. */
export async function dataCard(name: string, options: { version?: string } = {}): Promise<string> {
  return renderDataCard(await dataCardInput(name, options));
}
