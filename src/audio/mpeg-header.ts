// MP3 (MPEG-1/2/2.5 audio) length without decoding, as libsndfile reports it through
// libmpg123 (gapless mode, no scan): the Xing/Info frame's frame count, less the encoder
// delay and padding of its LAME tag and the decoder delay of 529 samples; without a
// frame count, libmpg123's estimate from the file size and the first frame's size.
import { CorruptAudioError } from "./errors.js";
import { id3v2End, isMpegFrameHeader } from "./sniff.js";
import { readAt, type ByteSource } from "./wav-header.js";

/** What an MP3 file's frame headers say. */
export interface MpegInfo {
  samplingRate: number;
  channels: number;
  frames: number;
}

/** Bit rates in kbit/s by [MPEG-1 ? 0 : 1][layer - 1][index]. */
const BIT_RATES = [
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const MPEG1_RATES = [44100, 48000, 32000];
/** libmpg123's decoder delay (GAPLESS_DELAY), in samples. */
const DECODER_DELAY = 529;
/** How far past the ID3 tag the first frame is looked for. */
const SEARCH_BYTES = 65_536;
/** More than any MPEG audio frame takes (MPEG-2.5 layer III at 160 kbit/s and 8 kHz: 1,441 bytes). */
const MAX_FRAME_BYTES = 2881;

interface FrameHeader {
  /** MPEG-2 or 2.5 ("low sampling frequency"). */
  lsf: boolean;
  layer: number;
  samplingRate: number;
  mono: boolean;
  samplesPerFrame: number;
  /** Bytes, header included; 0 for free-format frames. */
  length: number;
}

function frameHeader(b: Uint8Array, at: number): FrameHeader | undefined {
  if (!isMpegFrameHeader(b, at)) return undefined;
  const version = (b[at + 1]! >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
  const layer = 4 - ((b[at + 1]! >> 1) & 3);
  const lsf = version !== 3;
  const samplingRate = MPEG1_RATES[(b[at + 2]! >> 2) & 3]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const kbps = BIT_RATES[lsf ? 1 : 0]![layer - 1]![b[at + 2]! >> 4]!;
  const padding = (b[at + 2]! >> 1) & 1;
  const length = kbps === 0 ? 0
    : layer === 1 ? (Math.floor((12_000 * kbps) / samplingRate) + padding) * 4
      : Math.floor(((layer === 3 && lsf ? 72_000 : 144_000) * kbps) / samplingRate) + padding;
  const samplesPerFrame = layer === 1 ? 384 : layer === 3 && lsf ? 576 : 1152;
  return { lsf, layer, samplingRate, mono: b[at + 3]! >> 6 === 3, samplesPerFrame, length };
}

/** Same version, layer and rate: the next frame of one stream. */
function continues(a: FrameHeader, b: FrameHeader | undefined): boolean {
  return b !== undefined && a.lsf === b.lsf && a.layer === b.layer && a.samplingRate === b.samplingRate;
}


/** Frame count and gapless trim of a Xing/Info frame (LAME tag), as libmpg123's check_lame_tag reads them. */
function xingTag(frame: Uint8Array, h: FrameHeader): { frames: number; delay?: number; padding?: number } | undefined {
  const data = frame.subarray(4, h.length);
  let at = h.mono ? (h.lsf ? 9 : 17) : h.lsf ? 17 : 32;
  if (data.length < at + 8) return undefined;
  for (let i = 2; i < at; i++) if (data[i] !== 0) return undefined;
  const tag = Buffer.from(data.buffer, data.byteOffset + at, 4).toString("latin1");
  if (tag !== "Xing" && tag !== "Info") return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const flags = view.getUint32(at + 4);
  at += 8;
  let frames = 0;
  if (flags & 1) {
    if (data.length < at + 4) return { frames };
    frames = view.getUint32(at);
    at += 4;
  }
  at += (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  if (data.length < at + 24 || data[at] === 0) return { frames };
  const delay = (data[at + 21]! << 4) | (data[at + 22]! >> 4);
  const padding = ((data[at + 22]! << 8) | data[at + 23]!) & 0xfff;
  return { frames, delay, padding };
}

/** libmpg123's gapless length of `frames` frames: encoder delay and decoder delay cut at the start, padding at the end. */
function gaplessLength(total: number, delay: number, padding: number): number {
  const end = total - padding + DECODER_DELAY;
  return Math.min(total, end) - (delay + DECODER_DELAY);
}

/**
 * Sampling rate, channels and frames of an MP3 file, from its first frames and its size
 * (`head`: its first bytes). Throws {@link CorruptAudioError} when no MPEG audio frame is found.
 */
export async function parseMpegInfo(source: ByteSource, file: string, size: number, head: Buffer): Promise<MpegInfo> {
  const start = id3v2End(head);
  const window = start + SEARCH_BYTES + 8 <= head.length ? head.subarray(start) : await readAt(source, start, SEARCH_BYTES + 2 * MAX_FRAME_BYTES);
  let at = -1;
  let h: FrameHeader | undefined;
  for (let i = 0; i + 4 <= Math.min(window.length, SEARCH_BYTES); i++) {
    const candidate = frameHeader(window, i);
    if (!candidate || candidate.length === 0) continue;
    const next = i + candidate.length;
    if (next + 4 > window.length ? start + next <= size : continues(candidate, frameHeader(window, next))) {
      at = i;
      h = candidate;
      break;
    }
  }
  if (!h) throw new CorruptAudioError(file, "no MPEG audio frame found (not an MP3 file)");
  const channels = h.mono ? 1 : 2;
  const frame = window.subarray(at, at + h.length);
  const xing = h.layer === 3 ? xingTag(frame, h) : undefined;
  if (xing && xing.frames > 0) {
    const total = xing.frames * h.samplesPerFrame;
    const frames = gaplessLength(total, xing.delay ?? 0, xing.padding ?? 0);
    return { samplingRate: h.samplingRate, channels, frames: Math.max(0, frames) };
  }
  // The estimate counts every byte but a trailing ID3v1 tag, with the first audio frame's size.
  const first = xing ? frameHeader(window, at + h.length) ?? h : h;
  const tail = size >= 128 ? await readAt(source, size - 128, 3) : Buffer.alloc(0);
  const length = size - (tail.toString("latin1") === "TAG" ? 128 : 0);
  return { samplingRate: h.samplingRate, channels, frames: Math.trunc((length / first.length) * h.samplesPerFrame) };
}
