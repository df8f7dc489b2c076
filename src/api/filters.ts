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

/** Characters JavaScript's Unicode mode lets a backslash escape as themselves. */
const JS_SYNTAX = new Set("^$\\.*+?()[]{}|/");

/**
 * A Python (`re`) pattern as a JS RegExp in Unicode mode (`.` and classes take code
 * points, as Python's do), for what the two spell differently: leading inline flags `(?i)`,
 * `(?m)`, `(?s)`; named groups `(?P<name>...)` and `(?P=name)`; `\A` and `\Z`; `\UXXXXXXXX`;
 * punctuation escaped as itself (`\-`, `\_`). Refused (SyntaxError) rather than matched
 * differently: other inline flags (`(?x)`), `\N{...}`, and `\p` (an error in Python). Not
 * translated: `\w`, `\d`, `\b` and `\s` match ASCII only here, also Unicode letters and
 * digits in Python (write `[^/]`, or the letters, for names like `ä`).
 */
export function pythonRegExp(pattern: string): RegExp {
  let flags = "u";
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === "i" || f === "m" || f === "s") flags += flags.includes(f) ? "" : f;
      else if (f !== "u" && f !== "a") throw new SyntaxError(`inline flag '${f}' has no JavaScript counterpart`);
    }
    pattern = pattern.slice(inline[0].length);
  }
  return new RegExp(translateEscapes(pattern.replace(/\(\?P</g, "(?<").replace(/\(\?P=(\w+)\)/g, "\\k<$1>")), flags);
}

/** Python's backslash escapes as JavaScript's Unicode mode spells them (see {@link pythonRegExp}). */
function translateEscapes(pattern: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== "\\") {
      if (c === "[" && !inClass) inClass = true;
      else if (c === "]" && inClass) inClass = false;
      out += c;
      continue;
    }
    const next = pattern[++i];
    if (next === undefined) throw new SyntaxError("pattern ends with a backslash");
    if (next === "A" && !inClass) out += "^";
    else if (next === "Z" && !inClass) out += "$";
    else if (next === "U") {
      const hex = pattern.slice(i + 1, i + 9);
      if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new SyntaxError(`incomplete escape \\U${hex}`);
      out += `\\u{${hex}}`;
      i += 8;
    } else if (next === "N") throw new SyntaxError("named characters (\\N{...}) have no JavaScript counterpart: write the character");
    else if (next === "p" || next === "P") throw new SyntaxError(`bad escape \\${next}`);
    else if (/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(next) && !JS_SYNTAX.has(next) && !(inClass && next === "-")) {
      out += `\\x${next.charCodeAt(0).toString(16).padStart(2, "0")}`;
    } else out += `\\${next}`;
  }
  return out;
}
