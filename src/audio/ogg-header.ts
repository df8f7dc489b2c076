// Ogg Vorbis and Ogg Opus length without decoding, as libsndfile reports it: from the
// identification header and the granule positions of the first audio page and the
// stream's last page.
import { CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { vorbisBlocksizes, vorbisModeFlags, vorbisStart, type VorbisModes, type VorbisStart } from "./vorbis-start.js";
import { readAt, type ByteSource } from "./wav-header.js";

/** What an Ogg file's headers and granule positions say. */
export interface OggInfo {
  codec: "vorbis" | "opus";
  samplingRate: number;
  channels: number;
  frames: number;
}

interface Page {
  offset: number;
  granule: bigint;
  serial: number;
  endOfStream: boolean;
  /** Segment sizes (lacing values). */
  lacing: Uint8Array;
  bodyOffset: number;
  length: number;
}

const TAIL_BYTES = 65_536 + 27 + 255;

function pageAt(b: Buffer, at: number, base = 0): Page | undefined {
  if (at + 27 > b.length || b.toString("latin1", at, at + 4) !== "OggS" || b[at + 4] !== 0) return undefined;
  const segments = b[at + 26]!;
  if (at + 27 + segments > b.length) return undefined;
  const lacing = b.subarray(at + 27, at + 27 + segments);
  const bodyOffset = at + 27 + segments;
  const bodyLength = lacing.reduce((n, x) => n + x, 0);
  return {
    offset: base + at, granule: b.readBigInt64LE(at + 6), serial: b.readUInt32LE(at + 14), endOfStream: (b[at + 5]! & 4) !== 0,
    lacing, bodyOffset: base + bodyOffset, length: 27 + segments + bodyLength,
  };
}


async function readPage(source: ByteSource, offset: number, file: string): Promise<{ page: Page; body: Buffer }> {
  const head = await readAt(source, offset, 27 + 255);
  const page = pageAt(head, 0, offset);
  if (!page) throw new CorruptAudioError(file, `no Ogg page at byte ${offset}`);
  const body = await readAt(source, page.bodyOffset, page.length - (page.bodyOffset - offset));
  if (body.length < page.length - (page.bodyOffset - offset)) throw new CorruptAudioError(file, `Ogg page at byte ${offset} is cut`);
  return { page, body };
}

/**
 * The packets that end on a page of `body` (segments sized by `lacing`), joined with the
 * part `partial` holds from earlier pages; a packet that goes on stays in `partial`.
 */
function packetsEnding(lacing: Uint8Array, body: Uint8Array, partial: Uint8Array[]): Buffer[] {
  const ending: Buffer[] = [];
  let at = 0;
  for (const x of lacing) {
    partial.push(body.subarray(at, at + x));
    at += x;
    if (x < 255) {
      ending.push(Buffer.concat(partial));
      partial.length = 0;
    }
  }
  return ending;
}

/** Sizes of the packets that end on a page (a continued first packet included with its part on this page). */
function packetSizes(lacing: Uint8Array): number[] {
  const sizes: number[] = [];
  let size = 0;
  for (const x of lacing) {
    size += x;
    if (x < 255) {
      sizes.push(size);
      size = 0;
    }
  }
  return sizes;
}

/** Samples at 48 kHz in an Opus packet, from its TOC byte (opus_packet_get_nb_samples); 0 when invalid. */
function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length < 1) return 0;
  const toc = packet[0]!;
  const frameSize = toc & 0x80 ? (48_000 << ((toc >> 3) & 3)) / 400
    : (toc & 0x60) === 0x60 ? (toc & 0x08 ? 960 : 480)
      : ((toc >> 3) & 3) === 3 ? 2880 : (48_000 << ((toc >> 3) & 3)) / 100;
  const code = toc & 3;
  const count = code === 0 ? 1 : code !== 3 ? 2 : packet.length < 2 ? 0 : packet[1]! & 0x3f;
  const samples = count * frameSize;
  return samples * 25 > 48_000 * 3 ? 0 : samples;
}

/** libsndfile's decoding rate of an Opus stream: the lowest Opus rate at or above the original one. */
function opusDecodingFactor(inputRate: number): number {
  return inputRate > 24_000 ? 1 : inputRate > 16_000 ? 2 : inputRate > 12_000 ? 3 : inputRate > 8_000 ? 4 : 6;
}

/** The granule position of the last page of stream `serial` (libsndfile's ogg_sync_last_page_before). */
async function lastGranule(source: ByteSource, size: number, serial: number, file: string): Promise<bigint> {
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - TAIL_BYTES);
    const tail = await readAt(source, start, end - start + 27 + 255);
    let found: bigint | undefined;
    for (let i = tail.indexOf("OggS", 0, "latin1"); i >= 0 && start + i < end; i = tail.indexOf("OggS", i + 1, "latin1")) {
      const page = pageAt(tail, i, start);
      if (page && page.serial === serial && page.offset + page.length <= size && page.granule !== -1n) found = page.granule;
    }
    if (found !== undefined) return found;
    if (start === 0) break;
    end = start + 4; // a page header may straddle the boundary
  }
  throw new CorruptAudioError(file, "Ogg stream without a page that has a granule position");
}

/**
 * Codec, sampling rate, channels and frames of an Ogg Vorbis or Ogg Opus file, as
 * libsndfile reports them (Opus: decoded at the lowest Opus rate at or above the
 * original rate, pre-skip removed; Vorbis: from the granule position of its first
 * sample, above 0 in streams cut out of longer ones). Throws {@link UnsupportedAudioError}
 * for other Ogg codecs.
 */
export async function parseOggInfo(source: ByteSource, file: string, size: number): Promise<OggInfo> {
  const { page: first, body: id } = await readPage(source, 0, file);
  if (id.toString("latin1", 0, 7) === "\x01vorbis" && id.length >= 16) {
    const channels = id[11]!;
    const samplingRate = id.readUInt32LE(12);
    const start = await vorbisStreamStart(source, first, id, size, file);
    const end = await lastGranule(source, size, first.serial, file);
    return { codec: "vorbis", samplingRate, channels, frames: Math.max(0, Number(end - start.granule)) };
  }
  if (id.toString("latin1", 0, 8) === "OpusHead" && id.length >= 19) {
    const channels = id[9]!;
    const preSkip = id.readUInt16LE(10);
    const factor = opusDecodingFactor(id.readUInt32LE(12));
    const start = await opusStartGranule(source, first, size, file);
    const end = await lastGranule(source, size, first.serial, file);
    const frames = Number(end - start - BigInt(preSkip)) / factor;
    return { codec: "opus", samplingRate: 48_000 / factor, channels, frames: Math.max(0, Math.floor(frames)) };
  }
  throw new UnsupportedAudioError(file, "Ogg stream that is neither Vorbis nor Opus");
}

/** Decoded frames libvorbis drops from the Vorbis stream in `source`: `count` from frame `at` (see {@link vorbisStart}). */
export async function vorbisDroppedFrames(source: ByteSource, file: string, size: number): Promise<{ at: number; count: number }> {
  const { page, body } = await readPage(source, 0, file);
  const { trim, trimAt } = await vorbisStreamStart(source, page, body, size, file);
  return { at: trimAt, count: trim };
}

const STARTS_AT_ZERO: VorbisStart = { granule: 0n, trim: 0, trimAt: 0 };

/**
 * Where a Vorbis stream starts: the packets of the page after the three headers decide it
 * ({@link vorbisStart}). At 0 when the setup header names no modes libavcodec's way of
 * finding them can read, or when that page is cut (libsndfile then has no packets).
 */
async function vorbisStreamStart(source: ByteSource, head: Page, identification: Buffer, size: number, file: string): Promise<VorbisStart> {
  const headers: Uint8Array[] = [];
  const partial: Uint8Array[] = [];
  let modes: VorbisModes | undefined;
  for (let offset = head.offset; offset < size;) {
    const read = await readPage(source, offset, file).catch((error: unknown) => {
      if (error instanceof CorruptAudioError) return undefined;
      throw error;
    });
    if (!read) return STARTS_AT_ZERO;
    const { page, body } = read;
    offset += page.length;
    if (page.serial !== head.serial) continue;
    const ending = packetsEnding(page.lacing, body, partial);
    if (modes) return vorbisStart(modes, ending, page.granule, page.endOfStream);
    headers.push(...ending);
    if (headers.length >= 3) {
      const blockflags = vorbisModeFlags(headers[2]!);
      if (!blockflags) return STARTS_AT_ZERO;
      modes = { blocksizes: vorbisBlocksizes(identification), blockflags };
    }
  }
  return STARTS_AT_ZERO;
}

/**
 * The granule position before the first audio page: its granule position less the
 * samples of its packets, 0 when it is also the last page (libsndfile's
 * ogg_opus_analyze_file). The headers (OpusHead, OpusTags) end their pages.
 */
async function opusStartGranule(source: ByteSource, head: Page, size: number, file: string): Promise<bigint> {
  let offset = head.offset + head.length;
  let headerPackets = 1;
  while (offset < size) {
    const { page, body } = await readPage(source, offset, file);
    if (page.serial !== head.serial) {
      offset += page.length;
      continue;
    }
    if (headerPackets < 2) {
      headerPackets += packetSizes(page.lacing).length;
      offset += page.length;
      continue;
    }
    let samples = 0;
    let at = 0;
    for (const packetSize of packetSizes(page.lacing)) {
      samples += opusPacketSamples(body.subarray(at, at + packetSize));
      at += packetSize;
    }
    if (samples === 0) throw new CorruptAudioError(file, `Opus page at byte ${page.offset} holds no audio`);
    if (page.endOfStream) {
      if (BigInt(samples) < page.granule) throw new CorruptAudioError(file, "Opus stream of one page whose granule position has an offset");
      return 0n;
    }
    if (BigInt(samples) > page.granule) throw new CorruptAudioError(file, "first Opus page's granule position is less than its samples");
    return page.granule - BigInt(samples);
  }
  throw new CorruptAudioError(file, "Opus stream without audio pages");
}

/** A complete packet of an Ogg stream. */
export interface OggPacket {
  data: Uint8Array;
}

/**
 * Splits the first logical stream of an Ogg file, fed in chunks, into packets (joined
 * across pages); pages of other streams are skipped, a cut last page is dropped.
 */
export function oggPackets(): { push(chunk: Uint8Array): OggPacket[]; end(): OggPacket[] } {
  let buffer = Buffer.alloc(0);
  let serial: number | undefined;
  const partial: Uint8Array[] = [];
  const take = (): OggPacket[] => {
    const out: OggPacket[] = [];
    let at = 0;
    for (;;) {
      const start = buffer.indexOf("OggS", at, "latin1");
      if (start < 0) {
        at = Math.max(at, buffer.length - 3);
        break;
      }
      const page = pageAt(buffer, start);
      if (!page && buffer.length - start >= 27 + 255) {
        at = start + 1; // not a page header: look for the next one, as libogg resyncs
        continue;
      }
      if (!page || start + page.length > buffer.length) {
        at = start;
        break;
      }
      at = start + page.length;
      serial ??= page.serial;
      if (page.serial !== serial) continue;
      for (const data of packetsEnding(page.lacing, buffer.subarray(page.bodyOffset), partial)) out.push({ data });
    }
    buffer = Buffer.from(buffer.subarray(at));
    return out;
  };
  return {
    push: (chunk) => {
      buffer = buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
      return take();
    },
    end: () => take(),
  };
}
