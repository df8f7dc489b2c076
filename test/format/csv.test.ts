import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { expect, test } from "vitest";
import { CsvTokenizer, quoteCsvField } from "../../src/format/csv-reader.js";

function tokenize(text: string, chunk: number): string[][] {
  const rows: string[][] = [];
  let current: string[] = [];
  const t = new CsvTokenizer({
    field(value) {
      current.push(value);
    },
    endRecord() {
      rows.push(current);
      current = [];
    },
  });
  for (let i = 0; i < text.length; i += chunk) t.write(text.slice(i, i + chunk));
  t.end();
  return rows;
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

test("the streaming tokenizer agrees with csv-parse, at any chunk size", () => {
  const rnd = random(42);
  const pieces = ["a", "b c", ",", '"', "\n", "\r\n", "\r", "ü", "😀", "", "0 days 00:00:01.5", "x,y", '""'];
  for (let k = 0; k < 200; k++) {
    const rows: string[][] = [];
    const cols = 1 + Math.floor(rnd() * 4);
    for (let r = 0; r < 1 + Math.floor(rnd() * 6); r++) {
      const row: string[] = [];
      for (let c = 0; c < cols; c++) {
        let cell = "";
        for (let p = Math.floor(rnd() * 4); p > 0; p--) cell += pieces[Math.floor(rnd() * pieces.length)];
        row.push(cell);
      }
      // a record of one empty field is an empty line, which both skip
      if (!(cols === 1 && row[0] === "")) rows.push(row);
    }
    const text = stringify(rows, { quoted_match: /\r/ });
    const expected = parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
    expect(expected).toEqual(rows);
    for (const chunk of [1, 2, 3, 7, 1000]) expect(tokenize(text, chunk), `${JSON.stringify(text)} / ${chunk}`).toEqual(expected);
  }
});

test("quoting like Python's csv module", () => {
  expect(quoteCsvField("plain")).toBe("plain");
  expect(quoteCsvField("a,b")).toBe('"a,b"');
  expect(quoteCsvField('say "hi"')).toBe('"say ""hi"""');
  expect(quoteCsvField("two\nlines")).toBe('"two\nlines"');
  expect(quoteCsvField("cr\r")).toBe('"cr\r"');
  expect(quoteCsvField(" lead")).toBe(" lead");
});

test("CRLF files, a final record without newline, a lone empty field", () => {
  expect(tokenize("a,b\r\n1,2\r\n", 3)).toEqual([
    ["a", "b"],
    ["1", "2"],
  ]);
  expect(tokenize("a,b\n1,", 100)).toEqual([
    ["a", "b"],
    ["1", ""],
  ]);
  expect(tokenize('a\n""\n', 1)).toEqual([["a"], [""]]);
});
