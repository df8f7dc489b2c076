import { readAt, type ByteSource } from "./wav-header.js";
import { CorruptAudioError } from "./errors.js";
import { id3v2End } from "./sniff.js";

/** The STREAMINFO block of a FLAC file. */
export interface FlacStreamInfo {
  samplingRate: number;
  channels: number;
  /** Bits per sample rounded up to whole bytes, as libsndfile's subtype (PCM_S8/16/24/32). */
  bitDepth: number;
  /** Bits per sample as coded. */
  codedBits: number;
  /** Samples per channel; 0 when the encoder did not know. */
  totalFrames: number;
}

/** Parses STREAMINFO, the first metadata block of every FLAC stream. */
export async function parseFlacStreamInfo(fh: ByteSource, file: string, head: Buffer): Promise<FlacStreamInfo> {
  const start = id3v2End(head);
  let block = head.subarray(start, start + 42);
  if (block.length < 42) {
    block = await readAt(fh, start, 42);
  }
  if (block.length < 42 || block.toString("latin1", 0, 4) !== "fLaC") throw new CorruptAudioError(file, "not a FLAC file (no fLaC marker)");
  const type = block[4]! & 0x7f;
  const length = block.readUIntBE(5, 3);
  if (type !== 0 || length !== 34) throw new CorruptAudioError(file, "FLAC file does not start with a STREAMINFO block");
  const s = block.subarray(8);
  const samplingRate = (s[10]! << 12) | (s[11]! << 4) | (s[12]! >> 4);
  const channels = ((s[12]! >> 1) & 0x07) + 1;
  const codedBits = (((s[12]! & 0x01) << 4) | (s[13]! >> 4)) + 1;
  const totalFrames = (s[13]! & 0x0f) * 2 ** 32 + s.readUInt32BE(14);
  if (samplingRate === 0) throw new CorruptAudioError(file, "FLAC STREAMINFO declares a sampling rate of 0");
  return { samplingRate, channels, codedBits, bitDepth: Math.ceil(codedBits / 8) * 8, totalFrames };
}
