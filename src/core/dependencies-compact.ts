import { Dependencies, DependencyTableError, type DependencyColumns } from "./dependencies.js";
import { framedHeader, readFramedHeader } from "./framed-header.js";
import { aligned } from "./typed-views.js";

// Our cache format for dependency tables (audb keeps a pickle we cannot read):
//   framed header ("AUDBDEP1", see framed-header.ts) | blocks, each 8-byte aligned.
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
  /** Byte offset of each file name in the file column (n + 1 entries), and an open-addressing table of row + 1 by FNV-1a of the name's UTF-8 bytes. */
  fileIndex?: { offsets: Block; table: Block };
  text: Record<string, Block>;
  dict: Record<string, { values: string[]; width: 2 | 4; block: Block }>;
  numbers: Record<string, Block>;
}

const align = (n: number) => (n + 7) & ~7;

/** FNV-1a (32 bit) of bytes. */
function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Row lookup straight on the cached bytes: no string per row, no Map. */
class CompactFileIndex {
  private readonly mask: number;
  constructor(private readonly blob: Buffer, private readonly offsets: Uint32Array, private readonly table: Int32Array) {
    this.mask = table.length - 1;
  }

  find(file: string): number | undefined {
    const key = Buffer.from(file, "utf8");
    for (let slot = fnv1a(key) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.table[slot]!;
      if (entry === 0) return undefined;
      const row = entry - 1;
      const start = this.offsets[row]!;
      const end = this.offsets[row + 1]! - 1;
      if (end - start === key.length && this.blob.compare(key, 0, key.length, start, end) === 0) return row;
    }
  }
}

function buildFileIndex(blob: Buffer, rows: number): { offsets: Uint32Array; table: Int32Array } {
  const offsets = new Uint32Array(rows + 1);
  let row = 0;
  for (let i = 0; i < blob.length && row < rows; i++) if (blob[i] === 0) offsets[++row] = i + 1;
  offsets[rows] = blob.length + 1;
  let size = 1;
  while (size < rows * 2) size <<= 1;
  const table = new Int32Array(Math.max(size, 2));
  const mask = table.length - 1;
  for (let r = 0; r < rows; r++) {
    let slot = fnv1a(blob, offsets[r]!, offsets[r + 1]! - 1) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = r + 1;
  }
  return { offsets, table };
}


type DictBlock = { values: string[]; width: 2 | 4; block: Buffer };

/** The bytes of a number column as stored: a copy, which later changes to the table leave alone. */
function numberBytes(src: ArrayLike<number>, kind: "i32" | "f64" | "u8"): Buffer {
  const typed = kind === "f64" ? new Float64Array(src) : kind === "i32" ? new Int32Array(src) : new Uint8Array(src);
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

function dictBlock(column: string[], rows: number): { values: string[]; width: 2 | 4; codes: Uint16Array | Uint32Array } {
  const values: string[] = [];
  const ids = new Map<string, number>();
  const codes = new Uint32Array(rows);
  let last: string | undefined;
  let lastId = 0;
  for (let i = 0; i < rows; i++) {
    const v = column[i]!;
    if (v !== last) { // runs of one value are the rule (format, version)
      let id = ids.get(v);
      if (id === undefined) { id = values.length; values.push(v); ids.set(v, id); }
      last = v;
      lastId = id;
    }
    codes[i] = lastId;
  }
  return values.length > 0xffff ? { values, width: 4, codes } : { values, width: 2, codes: Uint16Array.from(codes) };
}

/**
 * Encodes a dependency table in our compact cache format, with a file index for lookups
 * straight on the bytes unless `fileIndex` is false (for readers that change the table).
 */
export function dependenciesToCompact(deps: Dependencies, options: { fileIndex?: boolean } = {}): Buffer {
  return Buffer.concat(dependenciesToCompactParts(deps, options));
}

/**
 * {@link dependenciesToCompact} as the parts to write one after the other. String columns
 * that have not changed since they were decoded from this format are written as read
 * (those parts share memory with what was read, which nothing changes).
 */
export function dependenciesToCompactParts(deps: Dependencies, { fileIndex = true }: { fileIndex?: boolean } = {}): Buffer[] {
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
    const blob = (deps.encodedColumn(name) as Buffer | undefined) ?? encodeText(c[name], name);
    header.text[name] = add(blob);
    if (name === "file" && rows > 0 && fileIndex) {
      const { offsets, table } = buildFileIndex(blob, rows);
      header.fileIndex = {
        offsets: add(Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength)),
        table: add(Buffer.from(table.buffer, table.byteOffset, table.byteLength)),
      };
    }
  }
  for (const name of DICT) {
    const kept = deps.encodedColumn(name) as DictBlock | undefined;
    if (kept) {
      header.dict[name] = { values: kept.values, width: kept.width, block: add(kept.block) };
      continue;
    }
    const { values, width, codes } = dictBlock(c[name], rows);
    header.dict[name] = { values, width, block: add(Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength)) };
  }
  for (const [name, kind] of Object.entries(NUMBERS) as [NumberColumn, "i32" | "f64" | "u8"][]) {
    header.numbers[name] = add(numberBytes(c[name], kind));
  }
  return [framedHeader(MAGIC, header), ...blobs];
}

/** A text column NUL-joined as UTF-8. */
function encodeText(values: string[], name: TextColumn): Buffer {
  // join + includes: native scans, cheap also before V8 has optimised this code (some() calls back per row)
  if (values.join("").includes(SEP)) throw new DependencyTableError(`dependency column '${name}' holds a NUL character`);
  return Buffer.from(values.join(SEP), "utf8");
}

// A loop per code width: one loop over both array types is deoptimised whenever the
// width changes from one column to the next.
function valuesOf16(values: string[], codes: Uint16Array): string[] {
  const out = new Array<string>(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = values[codes[i]!]!;
  return out;
}

function valuesOf32(values: string[], codes: Uint32Array): string[] {
  const out = new Array<string>(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = values[codes[i]!]!;
  return out;
}

/** Decodes our compact cache format; `source` names the file in errors. */
export function dependenciesFromCompact(buf: Buffer, source = "dependency cache"): Dependencies {
  let framed: ReturnType<typeof readFramedHeader>;
  try {
    framed = readFramedHeader(buf, MAGIC);
  } catch {
    throw new DependencyTableError(`${source}: corrupt header`);
  }
  if (!framed) throw new DependencyTableError(`${source}: not a compact dependency table`);
  const header = framed.meta as Header;
  const base = framed.bodyStart;
  const slice = (b: Block) => {
    if (base + b.offset + b.length > buf.length) throw new DependencyTableError(`${source}: truncated`);
    return buf.subarray(base + b.offset, base + b.offset + b.length);
  };
  const rows = header.rows;
  const cols = {} as DependencyColumns;
  const text = (name: TextColumn): string[] => {
    const values = rows === 0 ? [] : slice(header.text[name]!).toString("utf8").split(SEP);
    if (values.length !== rows) throw new DependencyTableError(`${source}: column '${name}' has ${values.length} rows, expected ${rows}`);
    return values;
  };
  // String columns are decoded on first use: most loads touch a few of them, or none.
  const lazy = (name: TextColumn | DictColumn, decode: () => string[]) =>
    Object.defineProperty(cols, name, {
      configurable: true,
      enumerable: true,
      get() {
        const values = decode();
        Object.defineProperty(cols, name, { value: values, writable: true, enumerable: true, configurable: true });
        return values;
      },
    });
  for (const name of TEXT) lazy(name, () => text(name));
  const kept: Array<[TextColumn | DictColumn, unknown]> = [];
  if (rows > 0) for (const name of TEXT) kept.push([name, slice(header.text[name]!)]);
  const dict = (name: DictColumn): string[] => {
    const { values, width, block } = header.dict[name]!;
    const bytes = aligned(slice(block));
    return width === 2
      ? valuesOf16(values, new Uint16Array(bytes.buffer, bytes.byteOffset, rows))
      : valuesOf32(values, new Uint32Array(bytes.buffer, bytes.byteOffset, rows));
  };
  for (const name of DICT) {
    lazy(name, () => dict(name));
    const { values, width, block } = header.dict[name]!;
    kept.push([name, { values, width, block: slice(block) } satisfies DictBlock]);
  }
  for (const [name, kind] of Object.entries(NUMBERS) as [NumberColumn, string][]) {
    const bytes = aligned(slice(header.numbers[name]!));
    cols[name] = kind === "f64"
      ? new Float64Array(bytes.buffer, bytes.byteOffset, rows)
      : kind === "i32" ? new Int32Array(bytes.buffer, bytes.byteOffset, rows) : new Uint8Array(bytes.buffer, bytes.byteOffset, rows);
  }
  let fileIndex: CompactFileIndex | undefined;
  if (header.fileIndex) {
    const offsets = aligned(slice(header.fileIndex.offsets));
    const table = aligned(slice(header.fileIndex.table));
    fileIndex = new CompactFileIndex(
      slice(header.text.file!),
      new Uint32Array(offsets.buffer, offsets.byteOffset, rows + 1),
      new Int32Array(table.buffer, table.byteOffset, table.byteLength / 4),
    );
  }
  const deps = new Dependencies(cols, { trusted: true, fileIndex });
  for (const [name, encoded] of kept) deps.keepEncoded(name, encoded);
  return deps;
}
