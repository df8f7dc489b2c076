import { open } from "node:fs/promises";
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { FlacReader } from "./flac.js";
import { looksLikeFlac } from "./flac-header.js";
import { WavReader } from "./wav.js";
import { looksLikeWav } from "./wav-header.js";

/** A streaming decoder of one audio file (WAV or FLAC). */
export interface AudioReader {
  readonly file: string;
  readonly format: "wav" | "flac";
  readonly samplingRate: number;
  readonly channels: number;
  /** Sample container bits, as audiofile.bit_depth. */
  readonly bitDepth: number;
  /** True when the file stores integers that {@link readInt} returns exactly. */
  readonly isInteger: boolean;
  /** Next planar block of at most `maxFrames` frames as floats, or null at the end. */
  read(maxFrames?: number): Promise<Float32Array[] | null>;
  /** Next planar block of the stored integers (integer formats only), or null at the end. */
  readInt(maxFrames?: number): Promise<Int32Array[] | null>;
  close(): Promise<void>;
}

/** Opens a WAV or FLAC file for streaming, telling the format from its first bytes. */
export async function openAudioReader(file: string): Promise<AudioReader> {
  const head = Buffer.alloc(12);
  let bytesRead = 0;
  try {
    const fh = await open(file, "r");
    try {
      ({ bytesRead } = await fh.read(head, 0, 12, 0));
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new CorruptAudioError(file, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  const bytes = head.subarray(0, bytesRead);
  if (looksLikeWav(bytes)) {
    return WavReader.open(file);
  }
  if (looksLikeFlac(bytes)) return FlacReader.open(file);
  const other = knownAudioFormat(bytes);
  if (other) {
    throw new UnsupportedAudioError(file, `${other} audio cannot be converted: audb-ts decodes WAV and FLAC only (load it with a flavour that leaves it as it is)`);
  }
  throw new CorruptAudioError(file, "not a WAV or FLAC file");
}

/** MP3 (an ID3 tag or an MPEG frame sync) or Ogg (Vorbis, Opus): audio that audb-python converts and we cannot. */
function knownAudioFormat(head: Buffer): string | undefined {
  if (head.toString("latin1", 0, 4) === "OggS") return "Ogg";
  if (head.toString("latin1", 0, 3) === "ID3" || (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)) return "MP3";
  return undefined;
}
