import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, isScalar, parse, parseDocument, Scalar, visit } from "yaml";
import { makeFlavor, type Flavor, type FlavorOptions } from "../core/flavor.js";
import { Database, HEADER_KEYS } from "../format/database.js";
import { toYamlValue } from "../format/header-yaml.js";
import { compareCodePoints } from "../format/py.js";
import { dumpPyYaml, PY_YAML_PATTERNS, type YamlValue } from "../format/yaml-emit.js";

const FIELDS = new Set<string>(HEADER_KEYS);

/**
 * The header audb writes into a cache folder: the repository's `db.yaml` with meta `audb`
 * (root, version, flavour) set. audb loads it with audformat, sets the block and saves it,
 * which lays the whole header out as audformat does; so does this, through the header
 * model. The model holds numbers as JS numbers and times in milliseconds: a header with
 * an integer beyond 2**53 that no double holds, or a time with microseconds, keeps its
 * text instead, with the block inserted where audformat puts it (meta keys are sorted).
 */
export function headerWithAudbMeta(text: string, folder: { root: string; version: string; flavor: Flavor }, file?: string): string {
  const { root, version, flavor: f } = folder;
  const audb = {
    root,
    version,
    flavor: { bit_depth: f.bitDepth, channels: f.channels, format: f.format, mixdown: f.mixdown, sampling_rate: f.samplingRate },
  };
  const doc = parseDocument(text, { version: "1.1", schema: "failsafe" });
  return (doc.errors.length === 0 && modelChangesAValue(doc) && insertedInText(text, doc, audb)) || viaModel(text, audb, file);
}

function viaModel(text: string, audb: Record<string, unknown>, file?: string): string {
  const db = Database.fromYaml(text, file);
  db.meta.audb = audb;
  return db.toYaml();
}

/** True when a plain scalar is an integer no double holds exactly, or a time finer than milliseconds or with a time zone (kept by PyYAML, made UTC by the model). */
function modelChangesAValue(doc: ReturnType<typeof parseDocument>): boolean {
  let changes = false;
  visit(doc, {
    Scalar(_, node) {
      if (node.type !== Scalar.PLAIN || typeof node.value !== "string") return;
      const s = node.value;
      if (PY_YAML_PATTERNS.int.test(s)) changes = !exactDouble(s);
      else if (PY_YAML_PATTERNS.timestamp.test(s)) changes = /\.\d{3}0*[1-9]/.test(s) || /\d:\d\d(?:\.\d*)?[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?)$/.test(s);
      if (changes) return visit.BREAK;
    },
  });
  return changes;
}

function exactDouble(int: string): boolean {
  const s = int.replace(/_/g, "");
  if (s.includes(":")) return true; // sexagesimal: small in practice
  const sign = s.startsWith("-") ? -1n : 1n;
  const digits = s.replace(/^[-+]/, "");
  const literal = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits;
  try {
    const exact = sign * BigInt(literal);
    return BigInt(Number(exact)) === exact;
  } catch {
    return true; // "0b_" and the like: the model reads such oddities as it reads them
  }
}

/** `text` with the `audb` block in place of an old one or before the first meta key after it; undefined unless a top-level block mapping. */
function insertedInText(text: string, doc: ReturnType<typeof parseDocument>, audb: Record<string, unknown>): string | undefined {
  const top = doc.contents;
  if (!isMap(top) || top.flow) return undefined;
  const keys = top.items.map((p) => (isScalar(p.key) && p.key.range ? { name: String(p.key.value), start: p.key.range[0] } : undefined));
  const atLineStart = (k: { start: number } | undefined) => k !== undefined && (k.start === 0 || text[k.start - 1] === "\n");
  if (!keys.some((k) => k?.name === "name") || !keys.every(atLineStart)) return undefined;
  const starts = keys as { name: string; start: number }[];
  const block = dumpPyYaml(new Map([["audb", toYamlValue(audb)]]) as YamlValue);
  const ending = text.endsWith("\n") ? text : `${text}\n`;
  const old = starts.findIndex((k) => k.name === "audb");
  if (old >= 0) {
    const end = old + 1 < starts.length ? starts[old + 1]!.start : ending.length;
    return ending.slice(0, starts[old]!.start) + block + ending.slice(end);
  }
  const next = starts.find((k) => !FIELDS.has(k.name) && compareCodePoints(k.name, "audb") > 0);
  const lastLine = ending.slice(ending.lastIndexOf("\n", ending.length - 2) + 1);
  const end = /^\.\.\.[ \t]*\n$/.test(lastLine) ? ending.length - lastLine.length : ending.length; // before a "..." document end
  const at = next ? next.start : end;
  return ending.slice(0, at) + block + ending.slice(at);
}

/** The flavour a cache folder's `db.yaml` names in its `audb` block (audb's or ours); undefined without a readable one. */
export async function cachedFlavor(folder: string): Promise<Flavor | undefined> {
  try {
    const block = (parse(await readFile(join(folder, "db.yaml"), "utf8")) as { audb?: { flavor?: Record<string, unknown> } } | null)?.audb?.flavor;
    if (!block) return undefined;
    const channels = block["channels"];
    return makeFlavor({
      bitDepth: block["bit_depth"] as FlavorOptions["bitDepth"],
      channels: channels === null || channels === undefined ? null : (channels as number | number[]),
      format: block["format"] as Flavor["format"],
      mixdown: block["mixdown"] === true,
      samplingRate: block["sampling_rate"] as Flavor["samplingRate"],
    });
  } catch {
    return undefined; // no header yet, or one we cannot read: the listing still shows the folder
  }
}
