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

/**
 * Where the last complete UTF-8 sequence of `bytes` ends: a sequence cut by the end of a
 * chunk waits for the next one. Invalid bytes count as complete (the check refuses them).
 */
function completeLength(bytes: Uint8Array): number {
  let start = bytes.length - 1;
  while (start >= 0 && bytes.length - start < 4 && (bytes[start]! & 0xc0) === 0x80) start--;
  if (start < 0) return bytes.length;
  const lead = bytes[start]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + length > bytes.length ? start : bytes.length;
}

/**
 * Decodes a file read in chunks as UTF-8, refusing invalid bytes (an error with
 * TextDecoder's code `ERR_ENCODING_INVALID_ENCODED_DATA`) and dropping a byte order mark.
 * Unlike TextDecoder with `stream`, whose strings are all two bytes a character, text that
 * fits one byte a character is kept so (half the memory of every table value).
 */
export class Utf8ChunkDecoder {
  private tail: Buffer = Buffer.alloc(0);
  private started = false;

  /** The text of `chunk` (after what the previous chunk left), up to its last complete character. */
  decode(chunk: Buffer): string {
    const bytes = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const cut = completeLength(bytes);
    this.tail = Buffer.from(bytes.subarray(cut));
    const complete = bytes.subarray(0, cut);
    if (!isUtf8(complete)) throw invalidUtf8();
    let text = complete.toString("utf8");
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return text;
  }

  /** Ends the input: a character cut short at the end is refused. */
  end(): void {
    if (this.tail.length > 0) throw invalidUtf8();
  }
}

function invalidUtf8(): Error {
  return Object.assign(new TypeError("The encoded data was not valid for encoding utf-8"), { code: "ERR_ENCODING_INVALID_ENCODED_DATA" });
}
