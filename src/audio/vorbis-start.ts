// Where a Vorbis stream's samples start, as libsndfile finds it (ogg_vorbis.c,
// vorbis_calculate_granulepos): the first audio page's granule position less the samples
// its packets decode to. Streams cut out of a longer one start above 0; a granule position
// below what the page decodes to makes libvorbis drop the difference.

/** Block sizes and, per mode, whether it uses the long block: what a packet's length needs. */
export interface VorbisModes {
  blocksizes: [number, number];
  /** Per mode: 1 = long block. */
  blockflags: number[];
}

/** Block sizes from the identification header (its byte 28). */
export function vorbisBlocksizes(identification: Uint8Array): [number, number] {
  const b = identification[28] ?? 0;
  return [1 << (b & 0x0f), 1 << (b >> 4)];
}

/**
 * The modes' block flags, read backwards from the end of the setup header (the framing
 * bit, then per mode mapping 8, transform 16 and window 16 bits and the flag), as
 * libavcodec's Vorbis parser does: the fields before them have variable sizes. Undefined
 * when no mode block is found.
 */
export function vorbisModeFlags(setup: Uint8Array): number[] | undefined {
  const bits = new ReverseBits(setup);
  let framing = -1;
  while (bits.left() > 97) {
    if (bits.read(1)) {
      framing = bits.position;
      break;
    }
  }
  if (framing < 0) return undefined;
  let modes = 0;
  let count = 0;
  while (bits.left() >= 97) {
    if (bits.read(8) > 63 || bits.read(16) || bits.read(16)) break;
    bits.read(1);
    count++;
    if (count > 64) break;
    const mark = bits.position;
    if (bits.read(6) + 1 === count) modes = count;
    bits.position = mark;
  }
  if (modes === 0) return undefined;
  const flags = new Array<number>(modes);
  bits.position = framing;
  for (let i = modes - 1; i >= 0; i--) {
    bits.read(40);
    flags[i] = bits.read(1);
  }
  return flags;
}

/** Where a Vorbis stream starts: see {@link vorbisStart}. */
export interface VorbisStart {
  /** Granule position of the first sample (libsndfile counts frames from it). */
  granule: bigint;
  /** Decoded frames libvorbis drops, from decoded frame {@link trimAt} on. */
  trim: number;
  /** What the first page's packets but its last decode to: where the dropped frames begin. */
  trimAt: number;
}

/**
 * `granule` (of the first audio page) less what its `packets` decode to, each but the
 * first adding (previous + own block size) / 4, is where the samples start; 0 for a
 * one-page stream (`endOfStream`) that decodes to at least its granule, and 0 where
 * libsndfile finds the granule too small (it logs the stream as malformed and reads on).
 * In that last case libvorbis drops the samples the granule is short of ("trim the
 * beginning", vorbis_synthesis_blockin) from those the page's last packet completes, after
 * returning the others; at the end of a one-page stream it drops them from the end instead.
 */
export function vorbisStart(modes: VorbisModes, packets: Uint8Array[], granule: bigint, endOfStream: boolean): VorbisStart {
  if (granule < 0n) return { granule: 0n, trim: 0, trimAt: 0 };
  const bits = modeBits(modes.blockflags.length);
  let previous = -1;
  let duration = 0;
  let last = 0;
  for (const packet of packets) {
    const size = blocksizeOf(packet, modes, bits);
    if (size < 0) continue;
    if (previous >= 0) {
      last = (previous + size) >> 2;
      duration += last;
    }
    previous = size;
  }
  const decoded = BigInt(duration);
  if ((endOfStream && granule <= decoded) || granule === decoded) return { granule: 0n, trim: 0, trimAt: 0 };
  if (granule < decoded) return { granule: 0n, trim: Number(decoded - granule), trimAt: duration - last };
  return { granule: granule - decoded, trim: 0, trimAt: 0 };
}

/** libvorbis's vorbis_packet_blocksize: -1 for a packet that is not audio or names no mode. */
function blocksizeOf(packet: Uint8Array, modes: VorbisModes, bits: number): number {
  if (packet.length === 0 || (packet[0]! & 1) !== 0) return -1;
  const mode = (packet[0]! >> 1) & ((1 << bits) - 1);
  const flag = modes.blockflags[mode];
  return flag === undefined ? -1 : modes.blocksizes[flag]!;
}

/** Bits that code a mode number: ilog(modes - 1). */
function modeBits(modes: number): number {
  let bits = 0;
  for (let v = modes - 1; v > 0; v >>= 1) bits++;
  return bits;
}

/** Reads a Vorbis (LSB-first) bit stream from its end: each field comes out with its value. */
class ReverseBits {
  position = 0;
  private readonly total: number;

  constructor(private readonly bytes: Uint8Array) {
    this.total = bytes.length * 8;
  }

  left(): number {
    return this.total - this.position;
  }

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      if (this.position >= this.total) return value;
      const byte = this.bytes[this.bytes.length - 1 - (this.position >> 3)]!;
      value = value * 2 + ((byte >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }
}
