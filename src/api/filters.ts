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

/**
 * Python's pattern syntax as JavaScript's Unicode mode spells it (see {@link pythonRegExp}):
 * escapes, and brackets and braces that are literals in Python but errors there.
 */
function translateEscapes(pattern: string): string {
  let out = "";
  let classStart = -1; // inside a class: where its first member is (a `]` there is literal)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const escape = translateEscape(pattern, i + 1, classStart >= 0);
      out += escape.text;
      i = escape.end - 1;
    } else if (classStart >= 0) {
      if (c === "]" && i !== classStart) classStart = -1;
      out += c === "]" && i === classStart ? "\\]" : c === "[" ? "\\[" : c;
    } else if (c === "[") {
      const negated = pattern[i + 1] === "^";
      classStart = i + (negated ? 2 : 1);
      out += negated ? "[^" : "[";
      if (negated) i++;
    } else if (c === "{") {
      const quantifier = /^\{(\d*)(?:(,)(\d*))?\}/.exec(pattern.slice(i));
      if (quantifier && (quantifier[1] !== "" || (quantifier[3] ?? "") !== "")) {
        out += `{${quantifier[1] || "0"}${quantifier[2] ?? ""}${quantifier[3] ?? ""}}`; // Python's {,n} is {0,n}
        i += quantifier[0].length - 1;
      } else out += "\\{";
    } else out += c === "]" || c === "}" ? `\\${c}` : c;
  }
  return out;
}

/** The escape that starts at `pattern[at]` (after its backslash), translated, and where it ends. */
function translateEscape(pattern: string, at: number, inClass: boolean): { text: string; end: number } {
  const next = pattern.codePointAt(at);
  if (next === undefined) throw new SyntaxError("pattern ends with a backslash");
  const char = String.fromCodePoint(next);
  const end = at + char.length;
  if (!/[A-Za-z0-9]/.test(char)) {
    // Python takes any other escaped character as itself; Unicode mode only its syntax characters.
    return { text: JS_SYNTAX.has(char) || (inClass && char === "-") ? `\\${char}` : `\\u{${next.toString(16)}}`, end };
  }
  if (char === "A" && !inClass) return { text: "^", end };
  if (char === "Z" && !inClass) return { text: "$", end };
  if (char === "U") {
    const hex = pattern.slice(end, end + 8);
    if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new SyntaxError(`incomplete escape \\U${hex}`);
    return { text: `\\u{${hex}}`, end: end + 8 };
  }
  if (char === "N") throw new SyntaxError("named characters (\\N{...}) have no JavaScript counterpart: write the character");
  if (char === "p" || char === "P") throw new SyntaxError(`bad escape \\${char}`);
  return { text: `\\${char}`, end };
}
