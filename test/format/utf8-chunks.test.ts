import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serialize } from "node:v8";
import { expect, test } from "vitest";
import { readCsvFile } from "../../src/format/csv-reader.js";
import { Utf8ChunkDecoder } from "../../src/format/utf8.js";

/** True when V8 holds `text` at one byte a character (its serializer tags such strings '"', others 'c'). */
const oneByte = (text: string) => serialize(text)[2] === 0x22;

test("chunks split anywhere, inside any character, decode to the text; invalid bytes and a character cut at the end are refused", () => {
  const text = "\ufeffa,é\n日本,😀\nx\n";
  const bytes = Buffer.from(text);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      const decoder = new Utf8ChunkDecoder();
      const out = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((c) => decoder.decode(c)).join("");
      decoder.end();
      expect(out, `${a}/${b}`).toBe(text.slice(1)); // the byte order mark dropped
    }
  }
  for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff]]) {
    const decoder = new Utf8ChunkDecoder();
    expect(() => [decoder.decode(Buffer.from("ok,")), decoder.decode(Buffer.from(bad)), decoder.end()], String(bad)).toThrow(
      expect.objectContaining({ code: "ERR_ENCODING_INVALID_ENCODED_DATA" }),
    );
  }
  const cut = new Utf8ChunkDecoder();
  expect(cut.decode(Buffer.from([0x61, 0xe6, 0x97]))).toBe("a");
  expect(() => cut.end()).toThrow(expect.objectContaining({ code: "ERR_ENCODING_INVALID_ENCODED_DATA" }));
});

test("CSV values that fit one byte a character are held so (QA 23: TextDecoder's streaming made every table value two bytes a character)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "csv-one-byte-"));
  const path = join(dir, "db.files.csv");
  // over 2 MiB: several chunks; Latin-1 text (é) fits one byte a character too
  const rows = Array.from({ length: 60_000 }, (_, i) => `speaker-${i % 40}/chapter-${i % 7}/utt-${i}.wav,label ${i % 3}${i % 5 === 0 ? " é" : ""}`);
  writeFileSync(path, `file,label\n${rows.join("\n")}\n`);
  const values: string[] = [];
  await readCsvFile(path, { field: (text) => void values.push(text), endRecord: () => undefined });
  expect(values.length).toBe(2 * (rows.length + 1));
  expect(values.slice(2, 4)).toEqual(["speaker-0/chapter-0/utt-0.wav", "label 0 é"]);
  expect(values.filter((v) => !oneByte(v))).toEqual([]);
  // A chunk with a character beyond Latin-1 is decoded at two bytes a character, as the language needs.
});
