import * as path from "node:path";

// Kept apart from archive.ts (yazl, yauzl, streams) so that publish workers load fast.

/** Extensions of already-compressed media, stored without deflate. */
const STORED_EXTENSIONS = new Set(["flac", "mp3", "ogg", "opus"]);

/** Extensions of uncompressed PCM audio, deflated with Huffman coding only. */
const PCM_EXTENSIONS = new Set(["wav", "wave", "aif", "aiff", "pcm", "raw"]);

/**
 * How an archive entry is compressed: `store` as it is, `huffman` deflate without string
 * matching, `fast` zlib level 1, `deflate` zlib's default. PCM audio has almost no
 * repeated strings, so Huffman coding alone gets within 1 % of level 6 (speech WAVs:
 * 0.760 vs 0.752 of the size) at 2.7x the speed; any zip reader inflates it. `fast` is for
 * text written while a publish waits (a 10,000-row dependency table: 9 instead of 16 ms,
 * 3 % larger).
 */
export type EntryCompression = "store" | "huffman" | "fast" | "deflate";

/** True for already-compressed media, which archives store without deflate. */
export function isStored(file: string): boolean {
  return STORED_EXTENSIONS.has(path.posix.extname(file).slice(1).toLowerCase());
}

/** The compression an archive entry of `file` gets (see {@link EntryCompression}). */
export function compressionFor(file: string): EntryCompression {
  const ext = path.posix.extname(file).slice(1).toLowerCase();
  return STORED_EXTENSIONS.has(ext) ? "store" : PCM_EXTENSIONS.has(ext) ? "huffman" : "deflate";
}
