/**
 * Parsing `db.yaml` with the `yaml` package the way PyYAML (YAML 1.1, the
 * loader audformat uses) reads it, and converting between parsed YAML and
 * the plain values held in `meta` fields.
 *
 * - Scalars resolve with PyYAML's implicit resolvers: `yes`/`on` are booleans,
 *   `y` is a string, `1e5` is a string, `2020-01-01` is a date (`Date`, UTC).
 * - Mappings whose keys are all strings become plain objects; others (e.g.
 *   integer label keys) become `Map`s so the keys stay numbers.
 * - Floats with an integral value (`1.0`) are remembered, so they are written
 *   back as `1.0` and not `1`.
 * - Alias expansion is limited (`maxAliasCount`) to stop alias bombs.
 */

import { LineCounter, parseDocument, Scalar, type ScalarTag } from "yaml";
import { YamlAliasError, YamlError } from "./errors.js";
import { compareCodePoints } from "./py.js";
import { PY_YAML_PATTERNS, PyFloat, type YamlValue } from "./yaml-emit.js";

/** Maximum number of alias expansions in one header. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Non-enumerable marker on parsed objects and arrays: the keys (indices) whose
 * values were integral floats in the YAML (`1.0`).
 */
export const FLOAT_KEYS: unique symbol = Symbol.for("audb-ts.yaml.floatKeys") as never;

type Marked = { [FLOAT_KEYS]?: Set<string | number> };

function markFloat(container: object, key: string | number): void {
  const c = container as Marked;
  let set = c[FLOAT_KEYS];
  if (!set) {
    set = new Set();
    Object.defineProperty(container, FLOAT_KEYS, { value: set, enumerable: false, configurable: true });
  }
  set.add(key);
}

function isMarkedFloat(container: object, key: string | number): boolean {
  return (container as Marked)[FLOAT_KEYS]?.has(key) ?? false;
}

/** A YAML 1.1 integer; beyond 2^53 a `bigint`, so that its digits survive a save. */
function parseInt11(text: string): number | bigint {
  let s = text.replace(/_/g, "");
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s.includes(":")) {
    let v = 0;
    for (const part of s.split(":")) v = v * 60 + Number(part);
    return sign * v;
  }
  const [prefix, digits, radix] = s.startsWith("0b") ? ["0b", s.slice(2), 2] : s.startsWith("0x") ? ["0x", s.slice(2), 16] : s.startsWith("0") ? ["0o", s.slice(1), 8] : ["", s, 10];
  const value = sign * parseInt(digits, radix);
  return Number.isSafeInteger(value) || Number.isNaN(value) ? value : BigInt(`${prefix}${digits}`) * BigInt(sign);
}

function parseFloat11(text: string): number {
  let s = text.replace(/_/g, "").toLowerCase();
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === ".inf") return sign * Infinity;
  if (s === ".nan") return NaN;
  if (s.includes(":")) {
    let v = 0;
    for (const part of s.split(":")) v = v * 60 + Number(part);
    return sign * v;
  }
  return sign * Number(s);
}

function parseTimestamp11(text: string): Date {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d*))?(?:[ \t]*(Z|([-+])(\d{1,2})(?::(\d{2}))?))?)?$/.exec(
      text,
    )!;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (m[7]) ms += Number((m[7] + "000").slice(0, 3));
  if (m[9]) ms -= (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11] ?? 0)) * 60_000;
  return new Date(ms);
}

/** PyYAML's implicit resolvers as `yaml` tags. */
const PY_TAGS: ScalarTag[] = [
  {
    tag: "tag:yaml.org,2002:null",
    default: true,
    identify: (v) => v === null || v === undefined,
    test: PY_YAML_PATTERNS.null,
    resolve: () => new Scalar(null),
  },
  {
    tag: "tag:yaml.org,2002:bool",
    default: true,
    identify: (v) => typeof v === "boolean",
    test: PY_YAML_PATTERNS.bool,
    resolve: (s) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(s),
  },
  {
    tag: "tag:yaml.org,2002:int",
    default: true,
    identify: (v) => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint",
    test: PY_YAML_PATTERNS.int,
    resolve: (s) => parseInt11(s),
  },
  {
    tag: "tag:yaml.org,2002:float",
    default: true,
    identify: (v) => typeof v === "number",
    test: PY_YAML_PATTERNS.float,
    resolve: (s) => {
      const x = parseFloat11(s);
      return Number.isInteger(x) ? new Scalar(new PyFloat(x)) : x;
    },
  },
  {
    tag: "tag:yaml.org,2002:timestamp",
    default: true,
    identify: (v) => v instanceof Date,
    test: PY_YAML_PATTERNS.timestamp,
    resolve: (s) => parseTimestamp11(s),
  },
];

/**
 * Parse YAML text as PyYAML would. Returns the raw tree: mappings as `Map`,
 * integral floats as {@link PyFloat}. `file` names the file in errors.
 */
export function parseYaml(text: string, file?: string): YamlValue {
  const where = file ? ` '${file}'` : "";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    version: "1.1",
    schema: "failsafe",
    customTags: (tags) => [...tags, ...PY_TAGS],
    uniqueKeys: true,
    prettyErrors: false,
  });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0]?.line ?? (err.pos ? lineCounter.linePos(err.pos[0]).line : undefined);
    throw new YamlError(
      `Malformed YAML${where}${line !== undefined ? ` at line ${line}` : ""}: ${err.message.split("\n")[0]}`,
      { file, line, cause: err },
    );
  }
  try {
    return doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIAS_COUNT }) as YamlValue;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/alias/i.test(message)) {
      throw new YamlAliasError(
        `YAML${where} expands too many aliases (more than ${MAX_ALIAS_COUNT}): refusing a possible alias bomb`,
        { file, cause: err },
      );
    }
    throw new YamlError(`Malformed YAML${where}: ${message}`, { file, cause: err });
  }
}

/**
 * Raw parsed YAML → plain values for `meta`: string-keyed mappings become
 * objects, other mappings stay `Map`s, integral floats become numbers
 * (remembered on their container).
 */
export function fromYamlValue(value: YamlValue): unknown {
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((v, i) => {
      if (v instanceof PyFloat) markFloat(out, i);
      out.push(fromYamlValue(v));
    });
    return out;
  }
  if (value instanceof Map) {
    const allStrings = [...value.keys()].every((k) => typeof k === "string");
    if (allStrings) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) {
        if (v instanceof PyFloat) markFloat(out, k as string);
        Object.defineProperty(out, k as string, { value: fromYamlValue(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set((k as unknown) instanceof PyFloat ? (k as unknown as PyFloat).value : k, fromYamlValue(v));
    return out;
  }
  return value;
}

/** Plain value → tree for the emitter (floats remembered by {@link fromYamlValue} stay floats). */
export function toYamlValue(value: unknown): YamlValue {
  if (value === undefined) return null;
  if (Array.isArray(value)) {
    return value.map((v, i) => (typeof v === "number" && isMarkedFloat(value, i) ? new PyFloat(v) : toYamlValue(v)));
  }
  if (value instanceof Map) {
    const out = new Map<YamlValue, YamlValue>();
    for (const [k, v] of value) out.set(toYamlValue(k), toYamlValue(v));
    return out as YamlValue;
  }
  if (value instanceof Date || value instanceof PyFloat) return value;
  if (typeof value === "object" && value !== null) {
    const out = new Map<YamlValue, YamlValue>();
    for (const [k, v] of Object.entries(value)) {
      out.set(k, typeof v === "number" && isMarkedFloat(value, k) ? new PyFloat(v) : toYamlValue(v));
    }
    return out as YamlValue;
  }
  if (typeof value === "function" || typeof value === "symbol") return String(value);
  return value as YamlValue;
}

/** A {@link YamlError} for header field `field` that `problem` (e.g. "must be a list"), naming `file` when known. */
export function fieldError(field: string, problem: string, file?: string): YamlError {
  return new YamlError(file ? `'${file}': header field '${field}' ${problem}` : `Header field '${field}' ${problem}`, { field, file });
}

/** A parsed mapping as a `Map` with string keys (throws {@link YamlError} otherwise). */
export function asMapping(value: YamlValue, field: string, file?: string): Map<string, YamlValue> {
  if (value === null || value === undefined) return new Map();
  if (!(value instanceof Map)) {
    throw fieldError(field, "must be a mapping", file);
  }
  const out = new Map<string, YamlValue>();
  for (const [k, v] of value) out.set(String((k as unknown) instanceof PyFloat ? (k as unknown as PyFloat).value : k), v as YamlValue);
  return out;
}

/** Read an optional string field. */
export function optString(value: YamlValue, field: string, file?: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof PyFloat) return String(value.value);
  throw fieldError(field, "must be a string", file);
}

/** Read an optional number field; `isFloat` tells whether it was written as a float. */
export function optNumber(value: YamlValue, field: string, file?: string): { value: number; isFloat: boolean } | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof PyFloat) return { value: value.value, isFloat: true };
  if (typeof value === "number") return { value, isFloat: !Number.isInteger(value) };
  throw fieldError(field, "must be a number", file);
}

/** Meta object from the keys of a mapping that are not `known`. */
export function metaFrom(map: Map<string, YamlValue>, known: readonly string[]): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  for (const [k, v] of map) {
    if (known.includes(k)) continue;
    if (v instanceof PyFloat) markFloat(meta, k);
    Object.defineProperty(meta, k, { value: fromYamlValue(v), enumerable: true, writable: true, configurable: true });
  }
  return meta;
}

/** Append meta entries to a header mapping, keys sorted as audformat's `HeaderDict` does. */
export function appendMeta(out: Map<YamlValue, YamlValue>, meta: Record<string, unknown>): void {
  const keys = Object.keys(meta).sort(compareCodePoints);
  const marked = toYamlValue(meta) as Map<YamlValue, YamlValue>;
  for (const k of keys) {
    if (out.has(k)) continue; // a meta key never overrides a field
    out.set(k, marked.get(k) ?? null);
  }
}
