import { looksLikeWav, readAt, type ByteSource } from "./wav-header.js";

/** Containers told apart by their first bytes (FLAC and MP3 also behind an ID3v2 tag). */
export type SniffedFormat = "wav" | "flac" | "mp3" | "ogg";

/** Where the audio starts: after the ID3v2 tags at the start of `head` (0 without one); may lie beyond `head`. */
export function id3v2End(head: Buffer): number {
  let at = 0;
  while (head.length >= at + 10 && head.toString("latin1", at, at + 3) === "ID3") {
    const size = ((head[at + 6]! & 0x7f) << 21) | ((head[at + 7]! & 0x7f) << 14) | ((head[at + 8]! & 0x7f) << 7) | (head[at + 9]! & 0x7f);
    at += 10 + size + (head[at + 5]! & 0x10 ? 10 : 0);
  }
  return at;
}

/** True when the four bytes at `at` start an MPEG audio frame header (sync, version, layer, bit rate and rate fields valid). */
export function isMpegFrameHeader(bytes: Uint8Array, at = 0): boolean {
  if (bytes.length < at + 4) return false;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  return bytes[at] === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x18) !== 0x08 && (b1 & 0x06) !== 0 && (b2 & 0xf0) !== 0xf0 && (b2 & 0x0c) !== 0x0c;
}

/** The format of a file from its first bytes (`head`), reading past an ID3v2 tag in `source` when the tag is longer. */
export async function sniffAudio(source: ByteSource, head: Buffer): Promise<SniffedFormat | undefined> {
  if (looksLikeWav(head)) return "wav";
  if (head.toString("latin1", 0, 4) === "OggS") return "ogg";
  const start = id3v2End(head);
  const inHead = head.subarray(start, start + 4);
  const magic = start > 0 && inHead.length < 4 ? await readAt(source, start, 4) : inHead;
  if (magic.toString("latin1") === "fLaC") return "flac";
  // Behind an ID3 tag, anything but FLAC is taken for MP3 (which may have junk before its first frame).
  if (isMpegFrameHeader(magic) || start > 0) return "mp3";
  return undefined;
}
