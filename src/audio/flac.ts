import { FLACDecoder } from "@wasm-audio-decoders/flac";
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { parseFlacStreamInfo, type FlacStreamInfo } from "./flac-header.js";
import { loadLibFlac, type LibFlac, type LibFlacStreamInfo } from "./libflac.js";
import { floatToInt } from "./pcm.js";
import { FileChunks, openAudioFile } from "./audio-file.js";
import { PlanarQueue } from "./planar-queue.js";
import { TempFile } from "./temp-file.js";

const DEFAULT_BLOCK_FRAMES = 65_536;
const READ_BYTES = 256 * 1024;

/**
 * Streaming FLAC reader on @wasm-audio-decoders/flac. The decoder returns
 * floats scaled by 1 / (2^(bits-1) - 1); the stored integers are recovered
 * exactly by scaling back and rounding, and float blocks use the same scale
 * as WAV (1 / 2^(bits-1)).
 */
export class FlacReader {
  private readonly decoder = new FLACDecoder();
  private ended = false;
  private decoded = 0;
  private readonly pending: PlanarQueue<Int32Array>;

  private constructor(
    private readonly chunks: FileChunks,
    /** The file read. */
    readonly file: string,
    /** STREAMINFO of the file. */
    readonly streamInfo: FlacStreamInfo,
  ) {
    this.pending = new PlanarQueue(streamInfo.channels, (n) => new Int32Array(n));
  }

  /** Opens `file` and parses STREAMINFO; throws {@link CorruptAudioError} naming the file if it is not FLAC. */
  static async open(file: string): Promise<FlacReader> {
    const fh = await openAudioFile(file);
    try {
      const size = (await fh.stat()).size;
      const head = Buffer.alloc(Math.min(4096, size));
      await fh.read(head, 0, head.length, 0);
      const info = await parseFlacStreamInfo(fh, file, head);
      if (info.codedBits !== info.bitDepth) {
        // @wasm-audio-decoders/flac returns NaN/Infinity for such streams.
        throw new UnsupportedAudioError(file, `decoding ${info.codedBits}-bit FLAC is not supported (only 8, 16, 24 and 32 bit)`);
      }
      const reader = new FlacReader(new FileChunks(fh, size, file), file, info);
      await reader.decoder.ready;
      return reader;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get format(): "flac" {
    return "flac";
  }
  get samplingRate(): number {
    return this.streamInfo.samplingRate;
  }
  get channels(): number {
    return this.streamInfo.channels;
  }
  /** Bits per sample rounded up to bytes, as audiofile.bit_depth. */
  get bitDepth(): number {
    return this.streamInfo.bitDepth;
  }
  /** Samples per channel from STREAMINFO (0 if unknown). */
  get frames(): number {
    return this.streamInfo.totalFrames;
  }
  /** Always true: FLAC stores integers. */
  get isInteger(): true {
    return true;
  }

  /** Next block of at most `maxFrames` frames as floats in [-1, 1), or null at the end. */
  async read(maxFrames = DEFAULT_BLOCK_FRAMES): Promise<Float32Array[] | null> {
    const ints = await this.readInt(maxFrames);
    if (!ints) return null;
    const scale = 1 / 2 ** (this.bitDepth - 1);
    return ints.map((ch) => {
      const f = new Float32Array(ch.length);
      for (let i = 0; i < ch.length; i++) f[i] = ch[i]! * scale;
      return f;
    });
  }

  /** Next block as the integers stored in the file, or null at the end. */
  async readInt(maxFrames = DEFAULT_BLOCK_FRAMES): Promise<Int32Array[] | null> {
    while (this.pending.frames < maxFrames && !this.ended) await this.decodeMore();
    if (this.pending.frames === 0) return null;
    return this.pending.take(maxFrames);
  }

  /** Closes the file and frees the decoder. */
  async close(): Promise<void> {
    this.decoder.free();
    await this.chunks.close();
  }

  private async decodeMore(): Promise<void> {
    const chunk = await this.chunks.next(READ_BYTES);
    let result;
    if (chunk) {
      result = await this.decoder.decode(chunk);
    } else {
      result = await this.decoder.flush();
      this.ended = true;
    }
    if (result.errors.length > 0) {
      const e = result.errors[0]!;
      throw new CorruptAudioError(this.file, `corrupt FLAC data (${e.message}) near frame ${this.decoded}`);
    }
    if (result.samplesDecoded > 0) {
      if (result.channelData.length !== this.channels) {
        throw new CorruptAudioError(this.file, `FLAC frame with ${result.channelData.length} channels in a ${this.channels}-channel stream`);
      }
      const scale = 2 ** (this.streamInfo.codedBits - 1) - 1;
      this.pending.push(
        result.channelData.map((ch) => {
          const out = new Int32Array(result.samplesDecoded);
          for (let i = 0; i < out.length; i++) {
            const v = ch[i]! * scale;
            if (!Number.isFinite(v)) throw new CorruptAudioError(this.file, `FLAC decoder returned a non-finite sample near frame ${this.decoded + i}`);
            out[i] = Math.round(v);
          }
          return out;
        }),
      );
      this.decoded += result.samplesDecoded;
    }
    if (this.ended && this.streamInfo.totalFrames > 0 && this.decoded !== this.streamInfo.totalFrames) {
      throw new CorruptAudioError(
        this.file,
        `truncated or corrupt: STREAMINFO declares ${this.streamInfo.totalFrames} samples, decoded ${this.decoded}`,
      );
    }
  }
}

/** How {@link FlacWriter} encodes. */
export interface FlacWriteOptions {
  samplingRate: number;
  channels: number;
  /** 8, 16 or 24 (as audiofile; 32-bit FLAC is not supported). */
  bitDepth: number;
  /** libFLAC compression level 0-8, default 5. */
  compressionLevel?: number;
}

/**
 * Streaming FLAC encoder on libflacjs. Writes to a temporary file next to
 * `file`, completes STREAMINFO (sample count, frame sizes, MD5) on
 * {@link close} and only then renames the file into place.
 */
export class FlacWriter {
  private chunks: Uint8Array[] = [];
  private finalInfo: LibFlacStreamInfo | undefined;
  private failed: unknown;

  private constructor(
    private readonly flac: LibFlac,
    private readonly encoder: number,
    private readonly temp: TempFile,
    /** The final file name. */
    readonly file: string,
    private readonly options: FlacWriteOptions,
  ) {}

  /** Creates the encoder and the temporary file. */
  static async create(file: string, options: FlacWriteOptions): Promise<FlacWriter> {
    const { samplingRate, channels, bitDepth } = options;
    if (![8, 16, 24].includes(bitDepth)) {
      throw new UnsupportedAudioError(file, `cannot write FLAC with bit depth ${bitDepth} (allowed: 8, 16, 24)`);
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 8) {
      throw new UnsupportedAudioError(file, `cannot write FLAC with ${channels} channels (at most 8); use WAV`);
    }
    if (!Number.isInteger(samplingRate) || samplingRate < 1 || samplingRate > 655_350) {
      throw new UnsupportedAudioError(file, `cannot write FLAC with sampling rate ${samplingRate}`);
    }
    const flac = await loadLibFlac();
    const encoder = flac.create_libflac_encoder(samplingRate, channels, bitDepth, options.compressionLevel ?? 5, 0, false, 0);
    if (!encoder) throw new UnsupportedAudioError(file, "libFLAC could not create an encoder");
    const temp = await TempFile.create(file);
    const writer = new FlacWriter(flac, encoder, temp, file, options);
    const status = flac.init_encoder_stream(
      encoder,
      (data) => writer.chunks.push(data),
      (info) => {
        if (info) writer.finalInfo = info;
      },
    );
    if (status !== 0) {
      flac.FLAC__stream_encoder_delete(encoder);
      await temp.discard();
      throw new UnsupportedAudioError(file, `libFLAC encoder init failed with status ${status}`);
    }
    return writer;
  }

  /** Appends a planar block of floats; rounded and clipped to the bit depth. */
  async write(block: ArrayLike<number>[]): Promise<void> {
    const bits = this.options.bitDepth;
    await this.writeInt(block.map((ch) => floatToInt(ch instanceof Float32Array || ch instanceof Float64Array ? ch : Float64Array.from(ch), bits)));
  }

  /** Appends a planar block of integers of the writer's bit depth. */
  async writeInt(block: Int32Array[]): Promise<void> {
    if (block.length !== this.options.channels) {
      throw new RangeError(`${this.file}: block has ${block.length} channels, writer has ${this.options.channels}`);
    }
    const frames = block[0]!.length;
    if (frames === 0) return;
    if (!this.flac.FLAC__stream_encoder_process(this.encoder, block, frames)) {
      this.failed = new UnsupportedAudioError(this.file, `libFLAC encoder failed (state ${this.flac.FLAC__stream_encoder_get_state(this.encoder)})`);
      await this.abort();
      throw this.failed;
    }
    await this.flushChunks();
  }

  /** Finishes the stream, completes STREAMINFO and renames the file into place. */
  async close(): Promise<void> {
    try {
      this.flac.FLAC__stream_encoder_finish(this.encoder);
      this.flac.FLAC__stream_encoder_delete(this.encoder);
      await this.flushChunks();
      if (!this.finalInfo) throw new UnsupportedAudioError(this.file, "libFLAC did not report the final STREAMINFO");
      await this.temp.writeAt(encodeStreamInfo(this.finalInfo), 8);
      await this.temp.commit();
    } catch (err) {
      await this.temp.discard();
      throw err;
    }
  }

  /** Drops the encoder and deletes the temporary file. */
  async abort(): Promise<void> {
    if (!this.failed) this.flac.FLAC__stream_encoder_delete(this.encoder);
    this.chunks = [];
    await this.temp.discard();
  }

  private async flushChunks(): Promise<void> {
    if (this.chunks.length === 0) return;
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    await this.temp.write(bytes);
  }
}

/** The 34-byte STREAMINFO block body. */
function encodeStreamInfo(s: LibFlacStreamInfo): Buffer {
  const b = Buffer.alloc(34);
  b.writeUInt16BE(s.min_blocksize, 0);
  b.writeUInt16BE(s.max_blocksize, 2);
  b.writeUIntBE(s.min_framesize, 4, 3);
  b.writeUIntBE(s.max_framesize, 7, 3);
  const total = s.total_samples;
  const high = Math.floor(total / 2 ** 32) & 0x0f;
  b[10] = (s.sampleRate >> 12) & 0xff;
  b[11] = (s.sampleRate >> 4) & 0xff;
  b[12] = ((s.sampleRate & 0x0f) << 4) | (((s.channels - 1) & 0x07) << 1) | (((s.bitsPerSample - 1) >> 4) & 0x01);
  b[13] = (((s.bitsPerSample - 1) & 0x0f) << 4) | high;
  b.writeUInt32BE(total % 2 ** 32, 14);
  Buffer.from(s.md5sum, "hex").copy(b, 18);
  return b;
}
