/** What header parsers read from: an open file, or bytes already in memory. */
export interface ByteSource {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Up to `length` bytes of `source` from `position` (fewer at its end). */
export async function readAt(source: ByteSource, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await source.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";

/** What the RIFF/WAVE header of a file says about its audio. */
export interface WavHeader {
  /** `pcm`: signed integers (unsigned for 8 bit); `float`: IEEE floats. */
  sampleFormat: "pcm" | "float";
  /** The `fmt ` chunk uses WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
  channels: number;
  samplingRate: number;
  /** Container size of one sample in bits: 8, 16, 24, 32 or 64 (as libsndfile's subtype). */
  bitDepth: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** File offset of the first sample. */
  dataOffset: number;
  /** Bytes of whole frames in the data chunk (trailing partial frames are ignored). */
  dataBytes: number;
  frames: number;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_* GUIDs; bytes 0..1 hold the format tag. */
const SUBFORMAT_GUID_TAIL = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);

/** Reads bytes at any offset, from an already read head of the file where possible. */
class ChunkSource {
  constructor(
    private readonly fh: ByteSource,
    private readonly head: Buffer,
  ) {}

  async bytes(offset: number, length: number): Promise<Buffer> {
    if (offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    return readAt(this.fh, offset, length);
  }
}

/** Tells whether the first bytes of a file look like RIFF/WAVE (or its 64-bit variants). */
export function looksLikeWav(head: Buffer): boolean {
  const magic = head.toString("latin1", 0, 4);
  return head.length >= 12 && (magic === "RIFF" || magic === "RF64" || magic === "BW64") && head.toString("latin1", 8, 12) === "WAVE";
}

/**
 * Walks the chunks of a WAV file and parses its `fmt ` and `data` chunks.
 * `head` is the start of the file (at least 12 bytes; 4-64 KB saves reads).
 */
export async function parseWavHeader(fh: ByteSource, file: string, fileSize: number, head: Buffer): Promise<WavHeader> {
  const magic = head.toString("latin1", 0, 4);
  if (magic === "RF64" || magic === "BW64") {
    throw new UnsupportedAudioError(file, `${magic} (64-bit WAV) files are not supported`);
  }
  if (!looksLikeWav(head)) throw new CorruptAudioError(file, "not a WAV file (no RIFF/WAVE header)");
  const source = new ChunkSource(fh, head);
  let fmt: Buffer | undefined;
  let data: { offset: number; size: number } | undefined;
  let offset = 12;
  while (offset + 8 <= fileSize && !(fmt && data)) {
    const chunkHeader = await source.bytes(offset, 8);
    if (chunkHeader.length < 8) break;
    const id = chunkHeader.toString("latin1", 0, 4);
    const size = chunkHeader.readUInt32LE(4);
    if (id === "fmt ") {
      fmt = await source.bytes(offset + 8, size);
      if (fmt.length < size) throw new CorruptAudioError(file, "truncated 'fmt ' chunk");
    } else if (id === "data") {
      data = { offset: offset + 8, size };
    }
    offset += 8 + size + (size & 1);
  }
  if (!fmt) throw new CorruptAudioError(file, "WAV file has no 'fmt ' chunk");
  if (!data) throw new CorruptAudioError(file, "WAV file has no 'data' chunk");
  const format = parseFmt(fmt, file);
  // As libsndfile (and so audb-python) reads them: a data chunk that declares more bytes
  // than follow (a cut copy, or 0xFFFFFFFF from a writer that streamed or never finished)
  // holds the frames that are there.
  const bytes = Math.min(data.size, Math.max(0, fileSize - data.offset));
  const frames = Math.floor(bytes / format.blockAlign);
  return { ...format, dataOffset: data.offset, dataBytes: frames * format.blockAlign, frames };
}

function parseFmt(fmt: Buffer, file: string): Omit<WavHeader, "dataOffset" | "dataBytes" | "frames"> {
  if (fmt.length < 16) throw new CorruptAudioError(file, `'fmt ' chunk is ${fmt.length} bytes, expected at least 16`);
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const samplingRate = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bitsPerSample = fmt.readUInt16LE(14);
  const extensible = tag === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    if (fmt.length < 40) throw new CorruptAudioError(file, "WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk shorter than 40 bytes");
    if (!fmt.subarray(26, 40).equals(SUBFORMAT_GUID_TAIL)) {
      throw new UnsupportedAudioError(file, "unknown WAVE_FORMAT_EXTENSIBLE subformat GUID");
    }
    tag = fmt.readUInt16LE(24);
  }
  if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
    throw new UnsupportedAudioError(file, `WAV format tag 0x${tag.toString(16).padStart(4, "0")} is not supported (only PCM and IEEE float)`);
  }
  if (channels === 0) throw new CorruptAudioError(file, "WAV header declares 0 channels");
  if (samplingRate === 0) throw new CorruptAudioError(file, "WAV header declares a sampling rate of 0");
  const bytesPerSample = blockAlign / channels;
  const sampleFormat = tag === WAVE_FORMAT_PCM ? "pcm" : "float";
  const allowed = sampleFormat === "pcm" ? [1, 2, 3, 4] : [4, 8];
  if (!Number.isInteger(bytesPerSample) || !allowed.includes(bytesPerSample)) {
    throw new UnsupportedAudioError(
      file,
      `${sampleFormat} WAV with block align ${blockAlign} for ${channels} channel(s) (${bitsPerSample} bits per sample) is not supported`,
    );
  }
  if (bitsPerSample > bytesPerSample * 8 || bitsPerSample === 0) {
    throw new CorruptAudioError(file, `WAV header declares ${bitsPerSample} bits per sample in ${bytesPerSample}-byte samples`);
  }
  return { sampleFormat, extensible, channels, samplingRate, bitDepth: bytesPerSample * 8, blockAlign };
}
