import { open } from "node:fs/promises";
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { FlacReader } from "./flac.js";
import { WavReader } from "./wav.js";
import { sniffAudio, type SniffedFormat } from "./sniff.js";

/** A streaming decoder of one audio file (WAV, FLAC, MP3 or Ogg). */
export interface AudioReader {
  readonly file: string;
  readonly format: SniffedFormat;
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

/** Opens a WAV, FLAC, MP3 or Ogg (Vorbis, Opus) file for streaming, telling the format from its first bytes. */
export async function openAudioReader(file: string): Promise<AudioReader> {
  let format: SniffedFormat | undefined;
  try {
    const fh = await open(file, "r");
    try {
      const head = Buffer.alloc(16);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      format = await sniffAudio(fh, head.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new CorruptAudioError(file, `cannot open: ${(err as Error).message}`, { cause: err });
  }
  if (format === "wav") return WavReader.open(file);
  if (format === "flac") return FlacReader.open(file);
  if (format) {
    const { CompressedReader } = await import("./compressed-reader.js"); // the decoders: only for MP3 and Ogg
    return CompressedReader.open(file);
  }
  throw new CorruptAudioError(file, "not a WAV, FLAC, MP3 or Ogg file");
}
