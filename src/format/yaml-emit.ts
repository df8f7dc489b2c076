/**
 * A YAML emitter that writes exactly what PyYAML's `yaml.dump(data,
 * default_flow_style=None, indent=2, allow_unicode=True)` writes (the call
 * audformat uses for `db.yaml`), for the value types a header holds.
 *
 * The `yaml` package parses headers; its emitter lays out long flow
 * collections and folds long scalars differently from PyYAML, so headers
 * written with it would not match audformat's byte for byte. This is a port
 * of the relevant part of PyYAML's `emitter.py` (state machine flattened into
 * recursion, same decisions in the same order).
 */

import { pyYamlFloat } from "./py.js";

/** A float that must be written as a float even if it is integral (`1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type YamlKey = string | number | boolean | null;
export type YamlValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | PyFloat
  | YamlValue[]
  | Map<YamlKey, YamlValue>
  | { [key: string]: YamlValue };

// ---------------------------------------------------------------- resolver

const RE_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const RE_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const RE_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const RE_MERGE = /^(?:<<)$/;
const RE_NULL = /^(?:~|null|Null|NULL|)$/;
const RE_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const RE_VALUE = /^(?:=)$/;

/**
 * `true` if PyYAML (YAML 1.1) would read the plain scalar `text` as something
 * other than a string. Python's `$` also matches before a final newline.
 */
export function pyResolvesToNonString(text: string): boolean {
  const t = text.endsWith("\n") ? text.slice(0, -1) : text;
  return (
    RE_BOOL.test(t) ||
    RE_FLOAT.test(t) ||
    RE_INT.test(t) ||
    RE_MERGE.test(t) ||
    RE_NULL.test(t) ||
    RE_TIMESTAMP.test(t) ||
    RE_VALUE.test(t)
  );
}

export const PY_YAML_PATTERNS = {
  bool: RE_BOOL,
  float: RE_FLOAT,
  int: RE_INT,
  null: RE_NULL,
  timestamp: RE_TIMESTAMP,
};

// ------------------------------------------------------------------ nodes

interface ScalarNode {
  kind: "scalar";
  text: string;
  /** Plain form resolves to the node's own tag (PyYAML `implicit[0]`). */
  implicitPlain: boolean;
  /** Quoted form resolves to the node's own tag (`implicit[1]`, true for strings only). */
  implicitQuoted: boolean;
  /** Short tag (`!!str`, `!!int`, ...), written when the chosen style hides the type. */
  tag: string;
}
interface SeqNode {
  kind: "seq";
  items: Node[];
  flow: boolean;
}
interface MapNode {
  kind: "map";
  pairs: Array<[Node, Node]>;
  flow: boolean;
}
type Node = ScalarNode | SeqNode | MapNode;

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

function dateText(d: Date): string {
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const ms = d.getTime();
  if (((ms % 86_400_000) + 86_400_000) % 86_400_000 === 0) return date;
  let s = `${date} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (d.getUTCMilliseconds() !== 0) s += "." + pad(d.getUTCMilliseconds() * 1000, 6);
  return s;
}

function scalar(text: string, tag: "str" | "int" | "float" | "bool" | "null" | "timestamp"): ScalarNode {
  const isString = tag === "str";
  return {
    kind: "scalar",
    text,
    implicitPlain: isString ? !pyResolvesToNonString(text) : true,
    implicitQuoted: isString,
    tag: "!!" + tag,
  };
}

function isCollection(n: Node): boolean {
  return n.kind !== "scalar";
}

function represent(value: YamlValue): Node {
  if (value === null || value === undefined) return scalar("null", "null");
  if (typeof value === "string") return scalar(value, "str");
  if (typeof value === "boolean") return scalar(value ? "true" : "false", "bool");
  if (typeof value === "bigint") return scalar(value.toString(), "int");
  if (typeof value === "number") {
    if (Number.isInteger(value)) {
      return scalar(Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString(), "int");
    }
    return scalar(pyYamlFloat(value), "float");
  }
  if (value instanceof PyFloat) return scalar(pyYamlFloat(value.value), "float");
  if (value instanceof Date) return scalar(dateText(value), "timestamp");
  if (Array.isArray(value)) {
    const items = value.map(represent);
    return { kind: "seq", items, flow: !items.some(isCollection) };
  }
  const entries: Array<[YamlKey, YamlValue]> =
    value instanceof Map ? [...value.entries()] : Object.entries(value);
  const pairs: Array<[Node, Node]> = entries.map(([k, v]) => [represent(k), represent(v)]);
  return { kind: "map", pairs, flow: !pairs.some(([k, v]) => isCollection(k) || isCollection(v)) };
}

// ---------------------------------------------------------------- analysis

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

const WS = "\0 \t\r\n\x85\u2028\u2029";
const BREAKS = "\n\x85\u2028\u2029";

function isPrintableUnicode(cp: number): boolean {
  return (
    (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp < 0x10ffff)) &&
    cp !== 0xfeff
  );
}

function analyze(chars: string[]): Analysis {
  const n = chars.length;
  if (n === 0) {
    return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  const text = chars.join("");
  if (text.startsWith("---") || text.startsWith("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  let precededByWhitespace = true;
  let followedByWhitespace = n === 1 || WS.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < n; index++) {
    const ch = chars[index];
    if (index === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) {
        flowIndicators = true;
        blockIndicators = true;
      }
      if (ch === "?" || ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "-" && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else {
      if (",?[]{}".includes(ch)) flowIndicators = true;
      if (ch === ":") {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === "#" && precededByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === "\n" || (cp >= 0x20 && cp <= 0x7e))) {
      if (!isPrintableUnicode(cp)) specialCharacters = true;
    }
    if (ch === " ") {
      if (index === 0) leadingSpace = true;
      if (index === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WS.includes(ch);
    followedByWhitespace = index + 2 >= n || WS.includes(chars[index + 2]);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || specialCharacters) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

// ----------------------------------------------------------------- emitter

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\x08": "b",
  "\x09": "t",
  "\x0A": "n",
  "\x0B": "v",
  "\x0C": "f",
  "\x0D": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xA0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

class Emitter {
  private out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private indents: Array<number | null> = [];
  private flowLevel = 0;
  private simpleKeyContext = false;
  private mappingContext = false;
  private readonly bestWidth = 80;
  private readonly bestIndent = 2;

  result(): string {
    return this.out.join("");
  }

  private write(data: string, width = [...data].length): void {
    this.out.push(data);
    this.column += width;
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? this.bestIndent : 0;
    else if (!indentless) this.indent += this.bestIndent;
  }

  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : " " + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.out.push(" ".repeat(indent - this.column));
      this.column = indent;
    }
  }

  private writeLineBreak(data = "\n"): void {
    this.whitespace = true;
    this.indention = true;
    this.out.push(data);
    this.column = 0;
  }

  document(value: YamlValue): void {
    const node = represent(value);
    this.emitNode(node, { root: true });
    // expect_document_end
    this.writeIndent();
  }

  private emitNode(node: Node, ctx: { root?: boolean; sequence?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    this.mappingContext = !!ctx.mapping;
    this.simpleKeyContext = !!ctx.simpleKey;
    if (node.kind === "scalar") {
      this.increaseIndent(true);
      this.processScalar(node);
      this.popIndent();
    } else if (node.kind === "seq") {
      if (this.flowLevel > 0 || node.flow || node.items.length === 0) this.flowSequence(node);
      else this.blockSequence(node);
    } else {
      if (this.flowLevel > 0 || node.flow || node.pairs.length === 0) this.flowMapping(node);
      else this.blockMapping(node);
    }
  }

  private checkSimpleKey(node: Node): boolean {
    if (node.kind === "scalar") {
      const chars = [...node.text];
      const a = analyze(chars);
      return chars.length + node.tag.length < 128 && !a.empty && !a.multiline;
    }
    if (node.kind === "seq") return node.items.length === 0;
    return node.pairs.length === 0;
  }

  private flowSequence(node: SeqNode): void {
    this.writeIndicator("[", true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    node.items.forEach((item, i) => {
      if (i > 0) this.writeIndicator(",", false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.emitNode(item, { sequence: true });
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator("]", false);
  }

  private flowMapping(node: MapNode): void {
    this.writeIndicator("{", true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    node.pairs.forEach(([key, value], i) => {
      if (i > 0) this.writeIndicator(",", false);
      if (this.column > this.bestWidth) this.writeIndent();
      if (this.checkSimpleKey(key)) {
        this.emitNode(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false);
        this.emitNode(value, { mapping: true });
      } else {
        this.writeIndicator("?", true);
        this.emitNode(key, { mapping: true });
        if (this.column > this.bestWidth) this.writeIndent();
        this.writeIndicator(":", true);
        this.emitNode(value, { mapping: true });
      }
    });
    this.popIndent();
    this.flowLevel--;
    this.writeIndicator("}", false);
  }

  private blockSequence(node: SeqNode): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of node.items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.emitNode(item, { sequence: true });
    }
    this.popIndent();
  }

  private blockMapping(node: MapNode): void {
    this.increaseIndent(false);
    for (const [key, value] of node.pairs) {
      this.writeIndent();
      if (this.checkSimpleKey(key)) {
        this.emitNode(key, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false);
        this.emitNode(value, { mapping: true });
      } else {
        this.writeIndicator("?", true, false, true);
        this.emitNode(key, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
        this.emitNode(value, { mapping: true });
      }
    }
    this.popIndent();
  }

  private processScalar(node: ScalarNode): void {
    const chars = [...node.text];
    const a = analyze(chars);
    let style: "" | "'" | '"' = '"';
    if (
      node.implicitPlain &&
      !(this.simpleKeyContext && (a.empty || a.multiline)) &&
      ((this.flowLevel > 0 && a.allowFlowPlain) || (this.flowLevel === 0 && a.allowBlockPlain))
    ) {
      style = "";
    } else if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) {
      style = "'";
    }
    if (!((style === "" && node.implicitPlain) || (style !== "" && node.implicitQuoted))) {
      // a non-string that cannot be written plain (e.g. a timestamp inside a flow collection)
      this.writeIndicator(node.tag, true);
    }
    const split = !this.simpleKeyContext;
    if (style === '"') this.writeDoubleQuoted(chars, split);
    else if (style === "'") this.writeSingleQuoted(chars, split);
    else this.writePlain(chars, split);
  }

  private writePlain(text: string[], split: boolean): void {
    if (text.length === 0) return;
    if (!this.whitespace) this.write(" ");
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(text.slice(start, end).join(""), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          this.writeBreaks(text, start, end);
          this.whitespace = false;
          this.indention = false;
          start = end;
        }
      } else if (ch === null || " \n\x85\u2028\u2029".includes(ch)) {
        this.write(text.slice(start, end).join(""), end - start);
        start = end;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAKS.includes(ch);
      }
      end++;
    }
  }

  /** The line breaks `text[start..end)` of a scalar, then the indent (PyYAML repeats this in each scalar writer). */
  private writeBreaks(text: string[], start: number, end: number): void {
    if (text[start] === "\n") this.writeLineBreak();
    for (const br of text.slice(start, end)) this.writeLineBreak(br === "\n" ? "\n" : br);
    this.writeIndent();
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch === null || ch !== " ") {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.write(text.slice(start, end).join(""), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          this.writeBreaks(text, start, end);
          start = end;
        }
      } else if (ch === null || " \n\x85\u2028\u2029".includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(""), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''", 2);
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAKS.includes(ch);
      }
      end++;
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    let end = 0;
    while (end <= text.length) {
      const ch = end < text.length ? text[end] : null;
      const cp = ch === null ? -1 : ch.codePointAt(0)!;
      if (
        ch === null ||
        '"\\\x85\u2028\u2029\uFEFF'.includes(ch) ||
        !((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd))
      ) {
        if (start < end) {
          this.write(text.slice(start, end).join(""), end - start);
          start = end;
        }
        if (ch !== null) {
          let data: string;
          if (ESCAPES[ch] !== undefined) data = "\\" + ESCAPES[ch];
          else if (cp <= 0xff) data = "\\x" + cp.toString(16).toUpperCase().padStart(2, "0");
          else if (cp <= 0xffff) data = "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
          else data = "\\U" + cp.toString(16).toUpperCase().padStart(8, "0");
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < text.length - 1 &&
        (ch === " " || start >= end) &&
        this.column + (end - start) > this.bestWidth &&
        split
      ) {
        const data = text.slice(start, end).join("") + "\\";
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === " ") this.write("\\");
      }
      end++;
    }
    this.writeIndicator('"', false);
  }
}

/** Serialize `value` exactly as PyYAML (`default_flow_style=None`, `allow_unicode=True`) would. */
export function dumpPyYaml(value: YamlValue): string {
  const e = new Emitter();
  e.document(value);
  return e.result();
}
