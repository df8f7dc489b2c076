// The header our binary cache files start with:
//   magic (8 latin1 characters) | u32 LE length | that many bytes of JSON | zeros to a multiple of 8
// The bytes after it start 8-byte aligned, so typed-array views can sit on them.

const align = (n: number) => (n + 7) & ~7;

/** The header carrying `meta` (JSON) after `magic`. */
export function framedHeader(magic: string, meta: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(meta), "utf8");
  const header = Buffer.alloc(align(magic.length + 4 + json.length));
  header.write(magic, 0, "latin1");
  header.writeUInt32LE(json.length, magic.length);
  json.copy(header, magic.length + 4);
  return header;
}

/**
 * The meta and where the bytes after the header start, or undefined when `buf` does not
 * start with `magic`; throws when the JSON is cut short or invalid.
 */
export function readFramedHeader(buf: Buffer, magic: string): { meta: unknown; bodyStart: number } | undefined {
  if (buf.length < magic.length + 4 || buf.toString("latin1", 0, magic.length) !== magic) return undefined;
  const jsonEnd = magic.length + 4 + buf.readUInt32LE(magic.length);
  if (jsonEnd > buf.length) throw new Error("header cut short");
  return { meta: JSON.parse(buf.toString("utf8", magic.length + 4, jsonEnd)), bodyStart: align(jsonEnd) };
}
