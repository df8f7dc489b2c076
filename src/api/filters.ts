import { FilterError } from "../core/errors.js";

/**
 * Applies a load filter as audb does: a string is a regular expression matched anywhere
 * in each name (`re.search`), an array is a list of exact names. Undefined keeps all.
 * A filter that matches nothing, or a list naming unknown entries, is a FilterError
 * naming the option.
 */
export function applyFilter(names: string[], filter: string | string[] | undefined, option: string): string[] {
  if (filter === undefined) return names;
  if (Array.isArray(filter)) {
    const known = new Set(names);
    const unknown = filter.filter((f) => !known.has(f));
    if (unknown.length > 0) {
      throw new FilterError(`${option}: ${unknown.slice(0, 20).map((u) => `'${u}'`).join(", ")}${unknown.length > 20 ? ", ..." : ""} not found`);
    }
    const wanted = new Set(filter);
    return names.filter((n) => wanted.has(n));
  }
  let re: RegExp;
  try {
    re = new RegExp(filter);
  } catch (e) {
    throw new FilterError(`${option}: '${filter}' is not a valid regular expression: ${(e as Error).message}`);
  }
  const out = names.filter((n) => re.test(n));
  if (out.length === 0 && names.length > 0) throw new FilterError(`${option}: '${filter}' matches nothing`);
  return out;
}
