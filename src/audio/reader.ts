import { open } from "node:fs/promises";
import { CorruptAudioError } from "./errors.js";
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
  throw new CorruptAudioError(file, "not a WAV or FLAC file");
}
