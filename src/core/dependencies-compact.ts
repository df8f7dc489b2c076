import { Dependencies, DependencyTableError, type DependencyColumns } from "./dependencies.js";

// Our cache format for dependency tables (audb keeps a pickle we cannot read):
//   "AUDBDEP1" | u32 header length | header JSON | blocks, each 8-byte aligned.
// Free-text columns are NUL-joined UTF-8, low-cardinality ones a dictionary + u16/u32 codes,
// numbers raw typed arrays: decoding is a few bulk copies, no per-row parsing.

const MAGIC = "AUDBDEP1";
const SEP = "\u0000";

type TextColumn = "file" | "archive" | "checksum";
type DictColumn = "format" | "version";
type NumberColumn = "bitDepth" | "channels" | "duration" | "removed" | "samplingRate" | "type";

const TEXT: TextColumn[] = ["file", "archive", "checksum"];
const DICT: DictColumn[] = ["format", "version"];
const NUMBERS: Record<NumberColumn, "i32" | "f64" | "u8"> = {
  bitDepth: "i32", channels: "i32", duration: "f64", removed: "u8", samplingRate: "i32", type: "u8",
};

interface Block { offset: number; length: number }
interface Header {
  rows: number;
  text: Record<string, Block>;
  dict: Record<string, { values: string[]; width: 2 | 4; block: Block }>;
  numbers: Record<string, Block>;
}

const align = (n: number) => (n + 7) & ~7;

/** Encodes a dependency table in our compact cache format. */
export function dependenciesToCompact(deps: Dependencies): Buffer {
  const c = deps.columns;
  const rows = deps.length;
  const blobs: Buffer[] = [];
  let offset = 0;
  const add = (buf: Buffer): Block => {
    const block = { offset, length: buf.length };
    blobs.push(buf);
    const padded = align(buf.length);
    if (padded > buf.length) blobs.push(Buffer.alloc(padded - buf.length));
    offset += padded;
    return block;
  };
  const header: Header = { rows, text: {}, dict: {}, numbers: {} };
  for (const name of TEXT) {
    const values = c[name];
    if (values.some((v) => v.includes(SEP))) throw new DependencyTableError(`dependency column '${name}' holds a NUL character`);
    header.text[name] = add(Buffer.from(values.join(SEP), "utf8"));
  }
  for (const name of DICT) {
    const values: string[] = [];
    const ids = new Map<string, number>();
    const width = 2 as 2 | 4;
    const codes = new Uint32Array(rows);
    c[name].forEach((v, i) => {
      let id = ids.get(v);
      if (id === undefined) { id = values.length; values.push(v); ids.set(v, id); }
      codes[i] = id;
    });
    const w: 2 | 4 = values.length > 0xffff ? 4 : width;
    const typed = w === 2 ? Uint16Array.from(codes) : codes;
    header.dict[name] = { values, width: w, block: add(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)) };
  }
  for (const [name, kind] of Object.entries(NUMBERS) as [NumberColumn, string][]) {
    const src = c[name];
    const typed = kind === "f64" ? Float64Array.from(src) : kind === "i32" ? Int32Array.from(src) : Uint8Array.from(src);
    header.numbers[name] = add(Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength));
  }
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(align(MAGIC.length + 4 + json.length));
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(json.length, MAGIC.length);
  json.copy(prefix, MAGIC.length + 4);
  return Buffer.concat([prefix, ...blobs]);
}

/** Decodes our compact cache format; `source` names the file in errors. */
export function dependenciesFromCompact(buf: Buffer, source = "dependency cache"): Dependencies {
  if (buf.length < 12 || buf.toString("latin1", 0, MAGIC.length) !== MAGIC) {
    throw new DependencyTableError(`${source}: not a compact dependency table`);
  }
  const jsonLength = buf.readUInt32LE(MAGIC.length);
  let header: Header;
  try {
    header = JSON.parse(buf.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + jsonLength)) as Header;
  } catch {
    throw new DependencyTableError(`${source}: corrupt header`);
  }
  const base = align(MAGIC.length + 4 + jsonLength);
  const slice = (b: Block) => {
    if (base + b.offset + b.length > buf.length) throw new DependencyTableError(`${source}: truncated`);
    return buf.subarray(base + b.offset, base + b.offset + b.length);
  };
  const rows = header.rows;
  const cols = {} as DependencyColumns;
  for (const name of TEXT) {
    const text = slice(header.text[name]!).toString("utf8");
    cols[name] = rows === 0 ? [] : text.split(SEP);
  }
  for (const name of DICT) {
    const { values, width, block } = header.dict[name]!;
    const bytes = slice(block);
    const aligned = Buffer.from(bytes); // copy: typed-array views need aligned offsets
    const codes = width === 2
      ? new Uint16Array(aligned.buffer, aligned.byteOffset, rows)
      : new Uint32Array(aligned.buffer, aligned.byteOffset, rows);
    const out = new Array<string>(rows);
    for (let i = 0; i < rows; i++) out[i] = values[codes[i]!]!;
    cols[name] = out;
  }
  for (const [name, kind] of Object.entries(NUMBERS) as [NumberColumn, string][]) {
    const bytes = Buffer.from(slice(header.numbers[name]!));
    const typed = kind === "f64"
      ? new Float64Array(bytes.buffer, bytes.byteOffset, rows)
      : kind === "i32" ? new Int32Array(bytes.buffer, bytes.byteOffset, rows) : new Uint8Array(bytes.buffer, bytes.byteOffset, rows);
    cols[name] = Array.from(typed);
  }
  for (const name of [...TEXT, ...DICT]) {
    if (cols[name].length !== rows) throw new DependencyTableError(`${source}: column '${name}' has ${cols[name].length} rows, expected ${rows}`);
  }
  return new Dependencies(cols);
}
