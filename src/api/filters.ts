import { FilterError } from "../core/errors.js";

/**
 * Applies a load filter as audb does: a string is a regular expression matched anywhere
 * in each name (`re.search`, Python syntax, see {@link pythonRegExp}), an array is a list
 * of exact names. Undefined keeps all; an empty string or list selects nothing. A
 * filter that matches nothing, or a list naming unknown entries, is a FilterError naming
 * the option (also when there is nothing to match, as in audb), followed by `where`.
 */
export function applyFilter(names: string[], filter: string | string[] | undefined, option: string, where = ""): string[] {
  if (filter === undefined) return names;
  if (filter.length === 0) return [];
  if (Array.isArray(filter)) {
    const known = new Set(names);
    const unknown = filter.filter((f) => !known.has(f));
    if (unknown.length > 0) {
      throw new FilterError(`${option}: ${unknown.slice(0, 20).map((u) => `'${u}'`).join(", ")}${unknown.length > 20 ? ", ..." : ""} not found${where}`);
    }
    const wanted = new Set(filter);
    return names.filter((n) => wanted.has(n));
  }
  let re: RegExp;
  try {
    re = pythonRegExp(filter);
  } catch (e) {
    throw new FilterError(`${option}: '${filter}' is not a valid regular expression: ${(e as Error).message}`);
  }
  const out = names.filter((n) => re.test(n));
  if (out.length === 0) throw new FilterError(`${option}: '${filter}' matches nothing${where}`);
  return out;
}

/**
 * A Python (`re`) pattern as a JS RegExp, for what the two spell differently: leading
 * inline flags `(?i)`, `(?m)`, `(?s)`; named groups `(?P<name>...)` and `(?P=name)`;
 * `\A` and `\Z`. Not translated: `\w`, `\d`, `\b` and `\s` match ASCII only here, also
 * Unicode letters and digits in Python (write `[^/]`, or the letters, for names like `ä`).
 */
export function pythonRegExp(pattern: string): RegExp {
  let flags = "";
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === "i" || f === "m" || f === "s") flags += flags.includes(f) ? "" : f;
      else if (f !== "u" && f !== "a") throw new SyntaxError(`inline flag '${f}' has no JavaScript counterpart`);
    }
    pattern = pattern.slice(inline[0].length);
  }
  const source = pattern
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?P=(\w+)\)/g, "\\k<$1>")
    .replace(/(^|[^\\])\\A/g, "$1^")
    .replace(/(^|[^\\])\\Z/g, "$1$");
  return new RegExp(source, flags);
}
