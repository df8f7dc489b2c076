import type { FileHandle } from "node:fs/promises";
import { openAudioFile } from "./audio-file.js";
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { floatToInt } from "./pcm.js";
import { TempFile } from "./temp-file.js";
import { parseWavHeader, type WavHeader } from "./wav-header.js";

export { type WavHeader } from "./wav-header.js";

/** Frames per block when none is asked for. */
export const DEFAULT_BLOCK_FRAMES = 65_536;
const HEAD_BYTES = 16_384;

/**
 * Streaming reader of a RIFF/WAVE file: PCM 8 (unsigned), 16, 24, 32 bit,
 * float 32/64, plain or WAVE_FORMAT_EXTENSIBLE. Blocks are planar (one array
 * per channel).
 */
export class WavReader {
  private position = 0;

  private constructor(
    private readonly fh: FileHandle,
    /** The file read. */
    readonly file: string,
    /** The parsed header. */
    readonly header: WavHeader,
  ) {}

  /** Opens `file` and parses its header; throws {@link CorruptAudioError} or {@link UnsupportedAudioError}. */
  static async open(file: string): Promise<WavReader> {
    const fh = await openAudioFile(file);
    try {
      const size = (await fh.stat()).size;
      const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
      await fh.read(head, 0, head.length, 0);
      return new WavReader(fh, file, await parseWavHeader(fh, file, size, head));
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  get format(): "wav" {
    return "wav";
  }
  get samplingRate(): number {
    return this.header.samplingRate;
  }
  get channels(): number {
    return this.header.channels;
  }
  get bitDepth(): number {
    return this.header.bitDepth;
  }
  get frames(): number {
    return this.header.frames;
  }
  /** True for PCM files, whose integers {@link readInt} returns exactly. */
  get isInteger(): boolean {
    return this.header.sampleFormat === "pcm";
  }

  /** Next block of at most `maxFrames` frames as floats in [-1, 1), or null at the end. */
  async read(maxFrames = DEFAULT_BLOCK_FRAMES): Promise<Float32Array[] | null> {
    const raw = await this.readRaw(maxFrames);
    return raw && decodeFloat(raw, this.header);
  }

  /**
   * Next block as the integers stored in the file (8-bit samples shifted to
   * signed), or null at the end. Only for PCM files.
   */
  async readInt(maxFrames = DEFAULT_BLOCK_FRAMES): Promise<Int32Array[] | null> {
    if (this.header.sampleFormat !== "pcm") {
      throw new UnsupportedAudioError(this.file, "integer access to a float WAV file");
    }
    const raw = await this.readRaw(maxFrames);
    return raw && decodeInt(raw, this.header);
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close();
  }

  private async readRaw(maxFrames: number): Promise<DataView | null> {
    const { blockAlign, frames, dataOffset } = this.header;
    const count = Math.min(maxFrames, frames - this.position);
    if (count <= 0) return null;
    const buf = Buffer.alloc(count * blockAlign);
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, dataOffset + this.position * blockAlign);
    if (bytesRead < buf.length) {
      throw new CorruptAudioError(this.file, `truncated: expected ${buf.length} bytes of audio at frame ${this.position}, read ${bytesRead}`);
    }
    this.position += count;
    return new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
}

function planar<T>(channels: number, make: () => T): T[] {
  return Array.from({ length: channels }, make);
}

function decodeInt(view: DataView, h: WavHeader): Int32Array[] {
  const frames = view.byteLength / h.blockAlign;
  const out = planar(h.channels, () => new Int32Array(frames));
  const bytes = h.bitDepth / 8;
  for (let c = 0; c < h.channels; c++) {
    const dest = out[c]!;
    let p = c * bytes;
    const step = h.blockAlign;
    switch (h.bitDepth) {
      case 8:
        for (let i = 0; i < frames; i++, p += step) dest[i] = view.getUint8(p) - 128;
        break;
      case 16:
        for (let i = 0; i < frames; i++, p += step) dest[i] = view.getInt16(p, true);
        break;
      case 24:
        for (let i = 0; i < frames; i++, p += step) dest[i] = view.getUint16(p, true) | (view.getInt8(p + 2) << 16);
        break;
      default:
        for (let i = 0; i < frames; i++, p += step) dest[i] = view.getInt32(p, true);
    }
  }
  return out;
}

function decodeFloat(view: DataView, h: WavHeader): Float32Array[] {
  if (h.sampleFormat === "pcm") {
    const ints = decodeInt(view, h);
    const scale = 1 / 2 ** (h.bitDepth - 1);
    return ints.map((ch) => {
      const f = new Float32Array(ch.length);
      for (let i = 0; i < ch.length; i++) f[i] = ch[i]! * scale;
      return f;
    });
  }
  const frames = view.byteLength / h.blockAlign;
  const out = planar(h.channels, () => new Float32Array(frames));
  const bytes = h.bitDepth / 8;
  for (let c = 0; c < h.channels; c++) {
    const dest = out[c]!;
    let p = c * bytes;
    if (h.bitDepth === 32) {
      for (let i = 0; i < frames; i++, p += h.blockAlign) dest[i] = view.getFloat32(p, true);
    } else {
      for (let i = 0; i < frames; i++, p += h.blockAlign) dest[i] = view.getFloat64(p, true);
    }
  }
  return out;
}

/** How {@link WavWriter} stores samples. */
export interface WavWriteOptions {
  samplingRate: number;
  channels: number;
  /** 8 (unsigned), 16, 24 or 32 for PCM; 32 or 64 for float. */
  bitDepth: number;
  /** Write IEEE float samples instead of integers. */
  float?: boolean;
}

const MAX_RIFF_BYTES = 0xffffffff;

/**
 * Streaming WAV writer. Writes to a temporary file next to `file`, patches
 * the RIFF sizes on {@link close} and only then renames it to `file`, so
 * nothing half-written ever carries the final name. Writes WAVE_FORMAT_PCM
 * for up to 2 channels and 16 bits, WAVE_FORMAT_IEEE_FLOAT (with a
 * `fact` chunk) for float up to 2 channels, WAVE_FORMAT_EXTENSIBLE otherwise.
 */
export class WavWriter {
  private dataBytes = 0;
  private readonly headerBytes: number;
  private readonly factOffset: number | null;
  private readonly bytesPerSample: number;

  private constructor(
    private readonly temp: TempFile,
    /** The final file name. */
    readonly file: string,
    private readonly options: Required<WavWriteOptions>,
  ) {
    const header = buildHeader(options);
    this.headerBytes = header.bytes.length;
    this.factOffset = header.factOffset;
    this.bytesPerSample = options.bitDepth / 8;
  }

  /** Creates the temporary file and writes a provisional header. */
  static async create(file: string, options: WavWriteOptions): Promise<WavWriter> {
    const opts = { float: false, ...options };
    checkWriteOptions(file, opts);
    const temp = await TempFile.create(file);
    const writer = new WavWriter(temp, file, opts);
    await temp.write(buildHeader(opts).bytes);
    return writer;
  }

  /** Appends a planar block of floats; integers are rounded and clipped (no normalisation). */
  async write(block: ArrayLike<number>[]): Promise<void> {
    this.checkBlock(block);
    const o = this.options;
    if (o.float) {
      await this.append(encodeFloat(block, o.bitDepth));
      return;
    }
    const ints = block.map((ch) => floatToInt(ch instanceof Float32Array || ch instanceof Float64Array ? ch : Float64Array.from(ch), o.bitDepth));
    await this.append(encodeInt(ints, o.bitDepth));
  }

  /** Appends a planar block of integers of the writer's bit depth (8 bit: signed, -128..127). */
  async writeInt(block: Int32Array[]): Promise<void> {
    this.checkBlock(block);
    if (this.options.float) throw new UnsupportedAudioError(this.file, "integer samples written to a float WAV file");
    await this.append(encodeInt(block, this.options.bitDepth));
  }

  /** Patches the header sizes and renames the temporary file to its final name. */
  async close(): Promise<void> {
    try {
      const pad = this.dataBytes & 1;
      if (pad) await this.temp.write(Buffer.alloc(1));
      const riffSize = this.headerBytes - 8 + this.dataBytes + pad;
      const u32 = (n: number) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(n);
        return b;
      };
      await this.temp.writeAt(u32(riffSize), 4);
      await this.temp.writeAt(u32(this.dataBytes), this.headerBytes - 4);
      if (this.factOffset !== null) {
        await this.temp.writeAt(u32(this.dataBytes / (this.bytesPerSample * this.options.channels)), this.factOffset);
      }
      await this.temp.commit();
    } catch (err) {
      await this.temp.discard();
      throw err;
    }
  }

  /** Deletes the temporary file; the final name is never touched. */
  async abort(): Promise<void> {
    await this.temp.discard();
  }

  private checkBlock(block: ArrayLike<number>[]): void {
    if (block.length !== this.options.channels) {
      throw new RangeError(`${this.file}: block has ${block.length} channels, writer has ${this.options.channels}`);
    }
    const n = block[0]!.length;
    if (block.some((ch) => ch.length !== n)) throw new RangeError(`${this.file}: channels of a block differ in length`);
  }

  private async append(bytes: Uint8Array): Promise<void> {
    if (this.headerBytes + this.dataBytes + bytes.length + 1 > MAX_RIFF_BYTES) {
      await this.temp.discard();
      throw new UnsupportedAudioError(this.file, "audio too long for a WAV file (4 GiB limit)");
    }
    this.dataBytes += bytes.length;
    await this.temp.write(bytes);
  }
}

function checkWriteOptions(file: string, o: Required<WavWriteOptions>): void {
  const allowed = o.float ? [32, 64] : [8, 16, 24, 32];
  if (!allowed.includes(o.bitDepth)) {
    throw new UnsupportedAudioError(file, `cannot write ${o.float ? "float" : "PCM"} WAV with bit depth ${o.bitDepth} (allowed: ${allowed.join(", ")})`);
  }
  if (!Number.isInteger(o.channels) || o.channels < 1 || o.channels > 65535) {
    throw new UnsupportedAudioError(file, `cannot write WAV with ${o.channels} channels`);
  }
  if (!Number.isInteger(o.samplingRate) || o.samplingRate < 1) {
    throw new UnsupportedAudioError(file, `cannot write WAV with sampling rate ${o.samplingRate}`);
  }
}

function channelMask(channels: number): number {
  return { 1: 0x4, 2: 0x3, 4: 0x33, 6: 0x3f, 8: 0xff }[channels] ?? 0;
}

/** Header up to and including the data chunk's size field (patched on close). */
function buildHeader(o: Required<WavWriteOptions>): { bytes: Buffer; factOffset: number | null } {
  const extensible = o.channels > 2 || (!o.float && o.bitDepth > 16);
  const tag = o.float ? 0x0003 : 0x0001;
  const blockAlign = (o.bitDepth / 8) * o.channels;
  const fmtSize = extensible ? 40 : o.float ? 18 : 16;
  const withFact = o.float;
  const size = 12 + 8 + fmtSize + (withFact ? 12 : 0) + 8;
  const b = Buffer.alloc(size);
  b.write("RIFF", 0, "latin1");
  b.write("WAVE", 8, "latin1");
  b.write("fmt ", 12, "latin1");
  b.writeUInt32LE(fmtSize, 16);
  b.writeUInt16LE(extensible ? 0xfffe : tag, 20);
  b.writeUInt16LE(o.channels, 22);
  b.writeUInt32LE(o.samplingRate, 24);
  b.writeUInt32LE(o.samplingRate * blockAlign, 28);
  b.writeUInt16LE(blockAlign, 32);
  b.writeUInt16LE(o.bitDepth, 34);
  if (fmtSize >= 18) b.writeUInt16LE(fmtSize - 18, 36);
  if (extensible) {
    b.writeUInt16LE(o.bitDepth, 38);
    b.writeUInt32LE(channelMask(o.channels), 40);
    b.writeUInt16LE(tag, 44);
    Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(b, 46);
  }
  let p = 20 + fmtSize;
  let factOffset: number | null = null;
  if (withFact) {
    b.write("fact", p, "latin1");
    b.writeUInt32LE(4, p + 4);
    factOffset = p + 8;
    p += 12;
  }
  b.write("data", p, "latin1");
  return { bytes: b, factOffset };
}

/** Interleaves `block` into a new buffer of `bitDepth / 8` bytes a sample; `writeChannel` writes one channel from byte `start` every `step` bytes. */
function interleave<T extends ArrayLike<number>>(
  block: T[],
  bitDepth: number,
  writeChannel: (view: DataView, src: T, start: number, step: number) => void,
): Uint8Array {
  const bytes = bitDepth / 8;
  const step = bytes * block.length;
  const buf = new Uint8Array(block[0]!.length * step);
  const view = new DataView(buf.buffer);
  block.forEach((src, c) => writeChannel(view, src, c * bytes, step));
  return buf;
}

function encodeInt(block: Int32Array[], bitDepth: number): Uint8Array {
  return interleave(block, bitDepth, (view, src, p, step) => {
    const frames = src.length;
    switch (bitDepth) {
      case 8:
        for (let i = 0; i < frames; i++, p += step) view.setUint8(p, src[i]! + 128);
        break;
      case 16:
        for (let i = 0; i < frames; i++, p += step) view.setInt16(p, src[i]!, true);
        break;
      case 24:
        for (let i = 0; i < frames; i++, p += step) {
          const v = src[i]!;
          view.setUint16(p, v & 0xffff, true);
          view.setInt8(p + 2, v >> 16);
        }
        break;
      default:
        for (let i = 0; i < frames; i++, p += step) view.setInt32(p, src[i]!, true);
    }
  });
}

function encodeFloat(block: ArrayLike<number>[], bitDepth: number): Uint8Array {
  return interleave(block, bitDepth, (view, src, p, step) => {
    const frames = src.length;
    if (bitDepth === 32) for (let i = 0; i < frames; i++, p += step) view.setFloat32(p, src[i]!, true);
    else for (let i = 0; i < frames; i++, p += step) view.setFloat64(p, src[i]!, true);
  });
}
