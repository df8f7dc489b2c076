import { isUtf8 } from "node:buffer";
import { readFile } from "node:fs/promises";
import { YamlError } from "./errors.js";

/**
 * Where `bytes` stop being UTF-8 as Python decodes it (no overlong forms, surrogates or
 * code points above U+10FFFF): the offset of the first byte that is not, else undefined.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    const second = bytes[i + 1]!;
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += length;
  }
  return undefined;
}

/** The 1-based line of byte `offset` in `bytes`. */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** What to say of bytes that are not UTF-8 at `offset`: its line, and the byte and why. */
export function notUtf8(bytes: Uint8Array, offset: number): { line: number; message: string } {
  const byte = bytes[offset]!.toString(16).toUpperCase().padStart(2, "0");
  return { line: lineAt(bytes, offset), message: `not valid UTF-8 (byte 0x${byte}): audformat reads headers and tables as UTF-8, save the file in that encoding` };
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of a database header, or a {@link YamlError} naming the file (`label`, default
 * its path) and line where it is not UTF-8 (audformat refuses it).
 */
export async function readHeaderText(path: string, label = path): Promise<string> {
  const bytes = await readFile(path);
  if (isUtf8(bytes)) return strictUtf8.decode(bytes); // a native check: the byte is looked for only when there is one
  const { line, message } = notUtf8(bytes, invalidUtf8Offset(bytes) ?? bytes.length - 1);
  throw new YamlError(`Header '${label}' at line ${line}: ${message}`, { file: label, line });
}
