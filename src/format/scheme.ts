/**
 * Scheme: the valid values of a column (dtype, labels, minimum, maximum).
 */

import { InvalidValueError, LabelError } from "./errors.js";
import { fromYamlValue, appendMeta, asMapping, fieldError, metaFrom, optNumber, optString, toYamlValue } from "./header-yaml.js";
import { HeaderBase, type HeaderOptions } from "./header-items.js";
import { isDtype, isNumericDtype, DTYPES, type Dtype } from "./values.js";
import { PyFloat, type YamlValue } from "./yaml-emit.js";

/** A label: string, number, boolean or date. */
export type LabelKey = string | number | boolean | Date;

/**
 * Scheme labels: a list of labels, a `Map` from label to its description
 * (often an object such as `{ gender: "female" }`), or the id of a misc
 * table whose index holds the labels.
 */
export type SchemeLabels = LabelKey[] | Map<LabelKey, unknown> | string;

export interface SchemeOptions extends HeaderOptions {
  /** Data type; derived from `labels` if not given, else `str`. Required with misc table labels. */
  dtype?: Dtype;
  /** List, `Map` / plain object (label → mapping), or misc table id. */
  labels?: LabelKey[] | Map<LabelKey, unknown> | Record<string, unknown> | string;
  minimum?: number;
  maximum?: number;
}

function labelDtype(label: unknown): Dtype | "number" | undefined {
  if (typeof label === "string") return "str";
  if (typeof label === "boolean") return "bool";
  if (typeof label === "number") return "number";
  if (label instanceof Date) return "date";
  return undefined;
}

/** Dtype of list / dict labels (audformat `_dtype_from_labels`). */
export function dtypeFromLabels(labels: LabelKey[] | Map<LabelKey, unknown>, field = "labels"): Dtype {
  const list = Array.isArray(labels) ? labels : [...labels.keys()];
  if (list.length === 0) return "str";
  let kind: Dtype | "number" | undefined;
  let integral = true;
  for (const label of list) {
    const k = labelDtype(label);
    if (k === undefined) throw new LabelError(`Label ${String(label)} of '${field}' is not a string, number, boolean or date`, { field });
    if (kind === undefined) kind = k;
    else if (kind !== k) throw new LabelError(`All labels of '${field}' must be of the same data type`, { field });
    if (k === "number" && !Number.isInteger(label)) integral = false;
  }
  if (kind === "number") return integral ? "int" : "float";
  return kind as Dtype;
}

/** What a column may hold: dtype, labels (list, label -> description, or a misc table), minimum and maximum. */
export class Scheme extends HeaderBase {
  dtype: Dtype;
  labels?: SchemeLabels;
  minimum?: number;
  maximum?: number;
  /** Fields written as floats even if integral (`minimum: 0.0`), as read from YAML. */
  floatFields: Set<"minimum" | "maximum">;

  constructor(opts: SchemeOptions = {}) {
    super(opts);
    let dtype = opts.dtype;
    if (dtype !== undefined && !isDtype(dtype)) {
      throw new InvalidValueError(`Invalid dtype '${String(dtype)}', expected one of ${DTYPES.map((d) => `'${d}'`).join(", ")}`, {
        field: "dtype",
      });
    }
    let labels: SchemeLabels | undefined;
    const input = opts.labels;
    if (input === undefined || input === null) labels = undefined;
    else if (typeof input === "string") {
      if (dtype === undefined) throw new LabelError(`'dtype' has to be provided when using misc table '${input}' as labels`, { field: "labels" });
      if (dtype === "bool") throw new LabelError(`'dtype' cannot be 'bool' when using misc table '${input}' as labels`, { field: "labels" });
      labels = input;
    } else if (Array.isArray(input)) labels = [...input];
    else if (input instanceof Map) labels = new Map(input);
    else if (typeof input === "object") labels = new Map(Object.entries(input));
    else throw new LabelError("Labels must be a list, a dictionary or the id of a misc table", { field: "labels" });

    if (labels !== undefined && typeof labels !== "string") {
      const fromLabels = dtypeFromLabels(labels);
      if (dtype === undefined) dtype = fromLabels;
      else if (dtype !== fromLabels && !(dtype === "float" && fromLabels === "int")) {
        throw new LabelError(`Data type is set to '${dtype}', but data type of labels is '${fromLabels}'`, { field: "labels" });
      }
    }
    this.dtype = dtype ?? "str";
    this.labels = labels;
    this.minimum = isNumericDtype(this.dtype) ? opts.minimum ?? undefined : undefined;
    this.maximum = isNumericDtype(this.dtype) ? opts.maximum ?? undefined : undefined;
    this.floatFields = new Set();
  }

  /** Labels come from a misc table. */
  get usesTable(): boolean {
    return typeof this.labels === "string";
  }

  get isNumeric(): boolean {
    return isNumericDtype(this.dtype);
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    if (this.description !== undefined && this.description !== null) out.set("description", this.description);
    out.set("dtype", this.dtype);
    if (this.labels !== undefined) {
      const asFloat = this.dtype === "float";
      const label = (v: LabelKey): YamlValue => (asFloat && typeof v === "number" ? new PyFloat(v) : (v as YamlValue));
      if (typeof this.labels === "string") out.set("labels", this.labels);
      else if (Array.isArray(this.labels)) out.set("labels", this.labels.map(label));
      else {
        const m = new Map<YamlValue, YamlValue>();
        for (const [k, v] of this.labels) m.set(label(k), toYamlValue(v));
        out.set("labels", m as YamlValue);
      }
    }
    for (const key of ["minimum", "maximum"] as const) {
      const v = this[key];
      if (v !== undefined && v !== null) out.set(key, this.floatFields.has(key) ? new PyFloat(v) : v);
    }
    appendMeta(out, this.meta);
    return out;
  }

  static fromYaml(value: YamlValue, field: string, file?: string): Scheme {
    const m = asMapping(value, field, file);
    const rawDtype = m.get("dtype");
    if (rawDtype !== undefined && rawDtype !== null && !isDtype(rawDtype)) {
      throw new InvalidValueError(
        `Invalid value '${String(rawDtype)}' for '${field}.dtype', expected one of ${DTYPES.map((d) => `'${d}'`).join(", ")}`,
        { field: `${field}.dtype`, file },
      );
    }
    const rawLabels = m.get("labels");
    let labels: SchemeLabels | undefined;
    if (rawLabels === undefined || rawLabels === null) labels = undefined;
    else if (typeof rawLabels === "string") labels = rawLabels;
    else if (Array.isArray(rawLabels)) labels = rawLabels.map((l) => (l instanceof PyFloat ? l.value : l)) as LabelKey[];
    else if (rawLabels instanceof Map) {
      const map = new Map<LabelKey, unknown>();
      for (const [k, v] of rawLabels) map.set(((k as unknown) instanceof PyFloat ? (k as unknown as PyFloat).value : k) as LabelKey, fromYamlValue(v as YamlValue));
      labels = map;
    } else {
      throw fieldError(`${field}.labels`, "must be a list, a mapping or a misc table id", file);
    }
    const min = optNumber(m.get("minimum"), `${field}.minimum`, file);
    const max = optNumber(m.get("maximum"), `${field}.maximum`, file);
    // like audformat's from_dict: take the fields as they are, do not re-derive dtype
    const scheme = new Scheme({ dtype: (rawDtype as Dtype | undefined) ?? "str" });
    scheme.dtype = (rawDtype as Dtype | undefined) ?? "str";
    scheme.labels = labels;
    scheme.minimum = min?.value;
    scheme.maximum = max?.value;
    if (min?.isFloat) scheme.floatFields.add("minimum");
    if (max?.isFloat) scheme.floatFields.add("maximum");
    scheme.description = optString(m.get("description"), `${field}.description`, file);
    scheme.meta = metaFrom(m, ["description", "dtype", "labels", "minimum", "maximum"]);
    return scheme;
  }
}
