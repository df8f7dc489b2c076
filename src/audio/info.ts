import { openAudioFile } from "./audio-file.js";
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { parseFlacStreamInfo } from "./flac-header.js";
import { parseMpegInfo } from "./mpeg-header.js";
import { parseOggInfo } from "./ogg-header.js";
import { sniffAudio, type SniffedFormat } from "./sniff.js";
import { parseWavHeader, type ByteSource } from "./wav-header.js";

/** What audb's dependency table stores about a media file. */
export interface AudioInfo {
  /** Container detected from the content. */
  format: SniffedFormat;
  samplingRate: number;
  channels: number;
  /** As audiofile.bit_depth: sample container bits (float32 WAV: 32, float64: 64, 8-bit: 8); 0 for MP3 and Ogg, as audb stores it. */
  bitDepth: number;
  /** Frames / sampling rate, in seconds. */
  duration: number;
  /** Number of frames (samples per channel). */
  frames: number;
}

const HEAD_BYTES = 16_384;

/**
 * Reads sampling rate, channels, bit depth and duration of a WAV, FLAC, MP3
 * or Ogg (Vorbis, Opus) file from its headers, as libsndfile reports them,
 * without decoding the audio: one open and one read of the first 16 KB (more
 * only for WAV files whose data chunk starts later, long ID3 tags, and the
 * last Ogg page; FLAC files whose STREAMINFO leaves the sample count at 0 are
 * decoded to count them, as libsndfile does).
 * Throws {@link CorruptAudioError} or {@link UnsupportedAudioError} naming
 * the file for anything else.
 */
export async function audioInfo(file: string): Promise<AudioInfo> {
  const fh = await openAudioFile(file);
  try {
    return await infoFrom(fh, file, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** {@link audioInfo} of a file whose bytes are already in memory (`file` names it in errors). */
export async function audioInfoFromBytes(file: string, data: Buffer): Promise<AudioInfo> {
  const source: ByteSource = {
    read: async (buffer, offset, length, position) => ({ bytesRead: data.copy(buffer, offset, position, position + length) }),
  };
  return infoFrom(source, file, data.length, data.subarray(0, HEAD_BYTES));
}

/** Audio info from `source`, whose first bytes (up to 16 KiB) are `head` when already at hand. */
async function infoFrom(source: ByteSource, file: string, size: number, head?: Buffer): Promise<AudioInfo> {
  let bytes = head;
  if (!bytes) {
    const buffer = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await source.read(buffer, 0, buffer.length, 0);
    bytes = buffer.subarray(0, bytesRead);
  }
  switch (await sniffAudio(source, bytes)) {
    case "wav": {
      const h = await parseWavHeader(source, file, size, bytes);
      return info("wav", h.samplingRate, h.channels, h.bitDepth, h.frames);
    }
    case "flac": {
      const s = await parseFlacStreamInfo(source, file, bytes);
      const frames = s.totalFrames > 0 ? s.totalFrames : await countFlacFrames(file);
      return info("flac", s.samplingRate, s.channels, s.bitDepth, frames);
    }
    case "mp3": {
      const m = await parseMpegInfo(source, file, size, bytes);
      return info("mp3", m.samplingRate, m.channels, 0, m.frames);
    }
    case "ogg": {
      const o = await parseOggInfo(source, file, size);
      return info("ogg", o.samplingRate, o.channels, 0, o.frames);
    }
    default:
      throw new CorruptAudioError(file, "not a WAV, FLAC, MP3 or Ogg file");
  }
}

function info(format: SniffedFormat, samplingRate: number, channels: number, bitDepth: number, frames: number): AudioInfo {
  return { format, samplingRate, channels, bitDepth, duration: frames / samplingRate, frames };
}

/** Decodes a FLAC file whose header does not state its length, to count its frames. */
async function countFlacFrames(file: string): Promise<number> {
  const { FlacReader } = await import("./flac.js"); // the decoder: rarely needed here
  const reader = await FlacReader.open(file);
  let frames = 0;
  try {
    for (let block = await reader.readInt(); block; block = await reader.readInt()) frames += block[0]!.length;
  } finally {
    await reader.close();
  }
  return frames;
}
