import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  Database,
  dumpPyYaml,
  parseYaml,
  PyFloat,
  YamlAliasError,
  YamlError,
  type FormatError,
} from "../../src/format/index.js";
import type { YamlValue } from "../../src/format/yaml-emit.js";

function decode(v: unknown): YamlValue {
  if (v === null || typeof v !== "object") return v as YamlValue;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  if ("$f" in o) {
    const s = o.$f as string;
    return new PyFloat(s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s));
  }
  if ("$d" in o) return new Date(`${o.$d}T00:00:00Z`);
  if ("$dt" in o) return new Date(`${o.$dt}Z`);
  return new Map((o.$map as Array<[unknown, unknown]>).map(([k, x]) => [decode(k), decode(x)])) as YamlValue;
}

describe("PyYAML-compatible emitter", () => {
  test("writes exactly what PyYAML writes (150 random header-like documents)", () => {
    const cases = JSON.parse(readFileSync("test/fixtures/format-pyyaml/cases.json", "utf8")) as Array<{ value: unknown; yaml: string }>;
    expect(cases.length).toBeGreaterThan(100);
    for (const c of cases) expect(dumpPyYaml(decode(c.value))).toBe(c.yaml);
  });

  test("flow style for scalar-only collections, block otherwise", () => {
    const v = new Map<YamlValue, YamlValue>([
      ["a", [1, 2]],
      ["b", new Map<YamlValue, YamlValue>([["x", "y"]]) as YamlValue],
      ["c", new Map<YamlValue, YamlValue>([["d", [1]]]) as YamlValue],
      ["e", []],
      ["f", ""],
      ["g", "yes"],
      ["h", new PyFloat(1)],
      ["i", 1e-5],
    ]);
    expect(dumpPyYaml(v as YamlValue)).toBe("a: [1, 2]\nb: {x: y}\nc:\n  d: [1]\ne: []\nf: ''\ng: 'yes'\nh: 1.0\ni: 1.0e-05\n");
  });
});

describe("YAML parsing like PyYAML (YAML 1.1)", () => {
  test("scalars resolve as in PyYAML", () => {
    const v = parseYaml("a: yes\nb: y\nc: 1e5\nd: 1.0e+5\ne: 2020-01-02\nf: 010\ng: ~\nh: 1.0\ni: '1'\nj: on\n") as Map<string, unknown>;
    expect(v.get("a")).toBe(true);
    expect(v.get("b")).toBe("y");
    expect(v.get("c")).toBe("1e5");
    expect(v.get("d")).toEqual(new PyFloat(100000));
    expect(v.get("e")).toEqual(new Date(Date.UTC(2020, 0, 2)));
    expect(v.get("f")).toBe(8);
    expect(v.get("g")).toBe(null);
    expect(v.get("h")).toEqual(new PyFloat(1));
    expect(v.get("i")).toBe("1");
    expect(v.get("j")).toBe(true);
  });

  test("integers beyond 2^53 are bigints, and a header saved again keeps their digits", () => {
    const v = parseYaml("a: 1152921504606846976\nb: -9007199254740993\nc: 0x1000000000000001\nd: 9007199254740991\n") as Map<string, unknown>;
    expect(v.get("a")).toBe(1152921504606846976n);
    expect(v.get("b")).toBe(-9007199254740993n);
    expect(v.get("c")).toBe(0x1000000000000001n);
    expect(v.get("d")).toBe(9007199254740991); // the largest safe integer stays a number
    const text = "name: x\nsource: ''\nusage: research\nbig: 1152921504606846976\nnested: {n: [-9007199254740993, 1]}\n";
    const db = Database.fromYaml(text);
    expect(db.meta.big).toBe(1152921504606846976n);
    expect(db.toYaml()).toContain("big: 1152921504606846976\n");
    expect(db.toYaml()).toContain("nested:\n  n: [-9007199254740993, 1]\n");
  });

  test("integer keys stay integers", () => {
    const v = parseYaml("labels:\n  1: {a: 1}\n  10: x\n") as Map<string, Map<unknown, unknown>>;
    expect([...v.get("labels")!.keys()]).toEqual([1, 10]);
  });

  test("an alias bomb is refused with YamlAliasError", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`);
    }
    const text = `name: bomb\nsource: ''\nusage: research\n${lines.join("\n")}\n`;
    let err: FormatError | undefined;
    try {
      Database.fromYaml(text, "bomb.yaml");
    } catch (e) {
      err = e as FormatError;
    }
    expect(err).toBeInstanceOf(YamlAliasError);
    expect(err).toBeInstanceOf(YamlError);
    expect(err!.message).toMatch(/bomb\.yaml.*too many aliases/);
  });

  test("a few aliases are fine", () => {
    const db = Database.fromYaml("name: x\nsource: ''\nusage: research\nfoo: &f {a: 1}\nbar: *f\n");
    expect(db.meta).toEqual({ foo: { a: 1 }, bar: { a: 1 } });
  });

  test("malformed YAML is a YamlError with the line number", () => {
    let err: FormatError | undefined;
    try {
      Database.fromYaml("name: x\nsource: ''\nusage: research\nschemes:\n  a: {dtype: str\n  b: [\n", "db.yaml");
    } catch (e) {
      err = e as FormatError;
    }
    expect(err).toBeInstanceOf(YamlError);
    expect(err!.line).toBeGreaterThanOrEqual(5);
    expect(err!.message).toMatch(/Malformed YAML 'db\.yaml' at line \d+/);
    expect(err!.file).toBe("db.yaml");
  });

  test("duplicate keys and missing fields are YamlErrors", () => {
    expect(() => Database.fromYaml("name: x\nname: y\nsource: ''\nusage: research\n")).toThrow(YamlError);
    expect(() => Database.fromYaml("name: x\nsource: ''\n")).toThrow(/no 'usage' field/);
    expect(() => Database.fromYaml("name: x\nsource: ''\nusage: research\nexpires: soon\n")).toThrow(/'expires' must be a date/);
    expect(() => Database.fromYaml("- a\n- b\n")).toThrow(/must be a mapping/);
  });

  test("a header that is not a mapping, or a field of the wrong type, names the file", () => {
    const file = "/data/emodb/db.yaml";
    const errorOf = (text: string) => {
      try {
        Database.fromYaml(text, file);
      } catch (err) {
        return err as YamlError;
      }
      throw new Error("no error");
    };
    expect(errorOf("- a list\n").message).toBe(`Header '${file}' must be a mapping of header fields (name, source, usage, ...), not a list`);
    expect(errorOf("just a string\n").message).toBe(`Header '${file}' must be a mapping of header fields (name, source, usage, ...), not the text 'just a string'`);
    const schemes = errorOf("name: x\nsource: ''\nusage: research\nschemes: 5\n");
    expect(schemes).toBeInstanceOf(YamlError);
    expect(schemes.message).toBe(`'${file}': header field 'schemes' must be a mapping`);
    expect([schemes.file, schemes.field]).toEqual([file, "schemes"]);
    expect(errorOf("name: x\nsource: ''\nusage: research\nlanguages: eng\n").message).toBe(`'${file}': header field 'languages' must be a list`);
  });
});
