import {
  describeColumns, formatDuration, listOf, mediaFacts, schemeSummaries, tableSummaries,
  type MediaFacts, type SchemeSummary, type TableSummary,
} from "../../src/api/card.js";
import { dependencies, latestVersion } from "../../src/api/discovery.js";
import { info } from "../../src/api/info.js";
import { columns } from "../output.js";

/** What `audb info` shows (and prints as JSON with `--json`). */
export interface DatabaseSummary {
  name: string;
  version: string;
  description?: string;
  license?: string;
  licenseUrl?: string;
  source: string;
  usage: string;
  languages: string[];
  author?: string;
  organization?: string;
  media: MediaFacts;
  tables: TableSummary[];
  schemes: SchemeSummary[];
  splits: { id: string; type: string; description?: string }[];
  raters: { id: string; type: string; description?: string }[];
  attachments: { id: string; path: string; description?: string }[];
  meta: Record<string, unknown>;
}

/** Header and dependency table of `name` `version` (default: latest) in one summary. */
export async function databaseSummary(name: string, version?: string): Promise<DatabaseSummary> {
  const v = version ?? (await latestVersion(name));
  const [db, deps] = await Promise.all([info.header(name, { version: v, loadTables: false }), dependencies(name, { version: v })]);
  return {
    name, version: v,
    description: db.description, license: db.license, licenseUrl: db.licenseUrl, source: db.source, usage: db.usage,
    languages: db.languages, author: db.author, organization: db.organization,
    media: mediaFacts(deps),
    tables: tableSummaries(db),
    schemes: schemeSummaries(db),
    splits: [...db.splits].map(([id, s]) => ({ id, type: s.type, description: s.description })),
    raters: [...db.raters].map(([id, r]) => ({ id, type: r.type, description: r.description })),
    attachments: [...db.attachments].map(([id, a]) => ({ id, path: a.path, description: a.description })),
    meta: db.meta,
  };
}

/** The summary as indented text sections. */
export function summaryText(s: DatabaseSummary): string {
  const m = s.media;
  const overview: [string, string][] = [
    ["description", s.description ?? "–"],
    ["license", s.license ? `${s.license}${s.licenseUrl ? ` (${s.licenseUrl})` : ""}` : "–"],
    ["source", s.source || "–"],
    ["usage", s.usage],
    ["languages", listOf(s.languages)],
    ...(s.author ? [["author", s.author] as [string, string]] : []),
    ...(s.organization ? [["organization", s.organization] as [string, string]] : []),
    ["media files", m.removed > 0 ? `${m.files} (and ${m.removed} removed)` : String(m.files)],
    ["duration", formatDuration(m.duration)],
    ["sampling rates", listOf(m.samplingRates, " Hz")],
    ["channels", listOf(m.channels)],
    ["bit depths", listOf(m.bitDepths)],
    ["formats", listOf(m.formats)],
  ];
  const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");
  const section = (title: string, rows: string[][]) => `${title}:\n${rows.length ? indent(columns(rows)) : "  –"}`;
  return [
    `${s.name} ${s.version}`,
    columns(overview.map(([k, v]) => [`${k}:`, v])),
    section("tables", s.tables.map((t) => [t.id, t.type, describeColumns(t)])),
    section("schemes", s.schemes.map((x) => [x.id, x.dtype, rangeOf(x), x.labels].filter((c) => c !== ""))),
    section("splits", s.splits.map((x) => [x.id, x.type, x.description ?? ""].filter((c) => c !== ""))),
    section("raters", s.raters.map((x) => [x.id, x.type, x.description ?? ""].filter((c) => c !== ""))),
    section("attachments", s.attachments.map((x) => [x.id, x.path, x.description ?? ""].filter((c) => c !== ""))),
  ].join("\n");
}

function rangeOf(s: SchemeSummary): string {
  if (s.minimum === undefined && s.maximum === undefined) return "";
  return `${s.minimum ?? ""}..${s.maximum ?? ""}`;
}
