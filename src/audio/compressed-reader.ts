// Decoding MP3 (mpg123-decoder: libmpg123, gapless) and Ogg Vorbis / Opus
// (@wasm-audio-decoders/ogg-vorbis: libvorbis; opus-decoder: libopus) as libsndfile
// decodes them for audiofile.read, so that flavours convert them as audb-python does:
// libsndfile's channels, rate (Opus: the lowest Opus rate at or above the original)
// and length (the frames its header reports, see info.ts), floats as the decoders give them.
import type { FileHandle } from "node:fs/promises";
import { FileChunks, openAudioFile } from "./audio-file.js";
import { CorruptAudioError } from "./errors.js";
import { audioInfo, type AudioInfo } from "./info.js";
import { oggPackets, vorbisDroppedFrames, type OggPacket } from "./ogg-header.js";
import { PlanarQueue } from "./planar-queue.js";
import type { AudioReader } from "./reader.js";

const DEFAULT_BLOCK_FRAMES = 65_536;

/** Compressed bytes in, planar floats out. */
interface ChunkDecoder {
  decode(chunk: Uint8Array): Promise<Float32Array[]>;
  /** What the decoder still holds at the end of the file. */
  flush(): Promise<Float32Array[]>;
  free(): void;
}

/** A streaming reader of an MP3 or Ogg (Vorbis, Opus) file; floats only. */
export class CompressedReader implements AudioReader {
  /** @internal Bytes read and decoded at a time (tests make it small to cross chunk boundaries). */
  static readBytes = 256 * 1024;
  readonly isInteger = false;
  /** audiofile writes decoded compressed audio as 16 bit unless told otherwise (audb: `bit_depth or 16`). */
  readonly bitDepth = 16;
  readonly format: AudioInfo["format"];
  readonly samplingRate: number;
  readonly channels: number;
  private ended = false;
  /** Frames handed out or queued so far, to stop at the length libsndfile reports. */
  private produced = 0;
  /** Frames the decoder gave so far. */
  private decoded = 0;
  private readonly pending: PlanarQueue<Float32Array>;

  private constructor(
    private readonly chunks: FileChunks,
    readonly file: string,
    private readonly info: AudioInfo,
    private readonly decoder: ChunkDecoder,
    /** Decoded frames libsndfile does not return: Opus's pre-skip, libvorbis's trim. */
    private readonly dropped: DroppedFrames,
  ) {
    ({ format: this.format, samplingRate: this.samplingRate, channels: this.channels } = info);
    this.pending = new PlanarQueue(info.channels, (n) => new Float32Array(n));
  }

  /** Opens `file`, whose headers say how to decode it (see {@link audioInfo}). */
  static async open(file: string): Promise<CompressedReader> {
    const info = await audioInfo(file);
    const fh = await openAudioFile(file);
    try {
      const { size } = await fh.stat();
      const chunks = new FileChunks(fh, size, file);
      const { decoder, dropped } = info.format === "mp3" ? { decoder: await mpegDecoder(info), dropped: NONE_DROPPED } : await oggDecoder(fh, info, file, size);
      return new CompressedReader(chunks, file, info, decoder, dropped);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async read(maxFrames = DEFAULT_BLOCK_FRAMES): Promise<Float32Array[] | null> {
    while (this.pending.frames < maxFrames && !this.ended) await this.fill();
    return this.pending.frames === 0 ? null : this.pending.take(maxFrames);
  }

  async readInt(): Promise<Int32Array[] | null> {
    throw new CorruptAudioError(this.file, `${this.format.toUpperCase()} audio has no stored integers`);
  }

  async close(): Promise<void> {
    this.decoder.free();
    await this.chunks.close();
  }

  private async fill(): Promise<void> {
    const chunk = await this.chunks.next(CompressedReader.readBytes);
    if (!chunk) {
      this.ended = true;
      this.queue(await this.decoder.flush());
      return;
    }
    this.queue(await this.decoder.decode(chunk));
    if (this.produced >= this.info.frames) this.ended = true;
  }

  /** Keeps libsndfile's channels, and its frames of decoded blocks: without the dropped ones, up to its length. */
  private queue(decoded: Float32Array[]): void {
    let block = decoded.slice(0, this.channels);
    if (block.length < this.channels || block[0]!.length === 0) return;
    const start = this.decoded;
    const length = block[0]!.length;
    this.decoded += length;
    const from = Math.max(0, this.dropped.at - start);
    const to = Math.min(length, this.dropped.at + this.dropped.count - start);
    if (from < to) block = block.map((channel) => withoutRange(channel, from, to));
    if (block[0]!.length === 0) return;
    const keep = Math.min(block[0]!.length, this.info.frames - this.produced);
    if (keep <= 0) return;
    this.pending.push(block.map((channel) => channel.slice(0, keep)));
    this.produced += keep;
  }
}

/** Decoded frames `[at, at + count)` that the reader leaves out. */
interface DroppedFrames {
  at: number;
  count: number;
}

const NONE_DROPPED: DroppedFrames = { at: 0, count: 0 };

/** `channel` without its frames `[from, to)`. */
function withoutRange(channel: Float32Array, from: number, to: number): Float32Array {
  if (from === 0) return channel.subarray(to);
  const out = new Float32Array(channel.length - (to - from));
  out.set(channel.subarray(0, from));
  out.set(channel.subarray(to), from);
  return out;
}

async function mpegDecoder(info: AudioInfo): Promise<ChunkDecoder> {
  const { MPEGDecoder } = await import("mpg123-decoder");
  const decoder = new MPEGDecoder();
  await decoder.ready;
  return {
    // mpg123-decoder gives mono as two equal channels: the reader keeps the first.
    decode: async (chunk) => decoder.decode(chunk).channelData,
    flush: async () => [],
    free: () => decoder.free(),
  };
}

async function oggDecoder(fh: FileHandle, info: AudioInfo, file: string, size: number): Promise<{ decoder: ChunkDecoder; dropped: DroppedFrames }> {
  const head = Buffer.alloc(512);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  const opusHead = head.subarray(0, bytesRead).indexOf("OpusHead", 0, "latin1");
  if (opusHead >= 0) return opusDecoder(info, head.subarray(opusHead, bytesRead));
  const { OggVorbisDecoder } = await import("@wasm-audio-decoders/ogg-vorbis");
  const decoder = new OggVorbisDecoder();
  await decoder.ready;
  return {
    decoder: {
      decode: async (chunk) => (await decoder.decode(chunk)).channelData,
      flush: async () => (await decoder.flush()).channelData,
      free: () => decoder.free(),
    },
    dropped: await vorbisDroppedFrames(fh, file, size),
  };
}

/**
 * libopus at libsndfile's decoding rate (`info`), fed the packets after the two headers;
 * the pre-skip (in 48 kHz samples) is dropped at that rate, as libsndfile drops it.
 */
async function opusDecoder(info: AudioInfo, opusHead: Buffer): Promise<{ decoder: ChunkDecoder; dropped: DroppedFrames }> {
  const { OpusDecoder } = await import("opus-decoder");
  const channels = opusHead[9]!;
  const mapping = opusHead[18] === 0
    ? { streamCount: 1, coupledStreamCount: channels - 1, channelMappingTable: channels === 1 ? [0] : [0, 1] }
    : { streamCount: opusHead[19]!, coupledStreamCount: opusHead[20]!, channelMappingTable: [...opusHead.subarray(21, 21 + channels)] };
  const decoder = new OpusDecoder({ sampleRate: info.samplingRate as 8000 | 12000 | 16000 | 24000 | 48000, channels, preSkip: 0, ...mapping });
  await decoder.ready;
  const packets = oggPackets();
  let headers = 2; // OpusHead, OpusTags
  const decodePackets = async (list: OggPacket[]): Promise<Float32Array[]> => {
    const audio = list.slice(Math.min(headers, list.length)).map((p) => p.data);
    headers -= Math.min(headers, list.length);
    return audio.length === 0 ? [] : decoder.decodeFrames(audio).channelData;
  };
  return {
    decoder: {
      decode: (chunk) => decodePackets(packets.push(chunk)),
      flush: () => decodePackets(packets.end()),
      free: () => decoder.free(),
    },
    dropped: { at: 0, count: Math.floor(opusHead.readUInt16LE(10) / (48_000 / info.samplingRate)) },
  };
}
