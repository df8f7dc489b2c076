// Test signals and an independent WAV byte builder (kept apart from src/audio/wav.ts
// so the reader is checked against a second implementation, not against itself).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Deterministic integer signal covering both extremes, a sine and noise. */
export function intSignal(frames: number, channels: number, bits: number, seed = 1): Int32Array[] {
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  let state = seed * 2654435761;
  const rand = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return Array.from({ length: channels }, (_, c) => {
    const ch = new Int32Array(frames);
    for (let i = 0; i < frames; i++) {
      if (i === 0) ch[i] = max;
      else if (i === 1) ch[i] = min;
      else if (i % 3 === 0) ch[i] = Math.round((max - 1) * Math.sin((2 * Math.PI * (c + 1) * i) / 97));
      else ch[i] = Math.floor(min + rand() * (max - min + 1));
    }
    return ch;
  });
}

export function toFloat(ints: Int32Array[], bits: number): Float64Array[] {
  return ints.map((ch) => Float64Array.from(ch, (v) => v / 2 ** (bits - 1)));
}

export interface RawWavSpec {
  tag: 1 | 3;
  channels: number;
  rate: number;
  bits: number;
  extensible?: boolean;
  /** Chunks written between fmt and data, e.g. LIST with odd size. */
  extraChunks?: { id: string; body: Buffer }[];
  /** Chunks after the data chunk. */
  trailingChunks?: { id: string; body: Buffer }[];
  /** Bytes appended to the data chunk that do not form a whole frame. */
  partialFrameBytes?: number;
}

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** WAV bytes from interleaved-by-us sample values (integers for tag 1, floats for tag 3). */
export function rawWav(spec: RawWavSpec, samples: ArrayLike<number>[]): Buffer {
  const bytes = spec.bits / 8;
  const blockAlign = bytes * spec.channels;
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.tag, 0);
  fmt.writeUInt16LE(spec.channels, 2);
  fmt.writeUInt32LE(spec.rate, 4);
  fmt.writeUInt32LE(spec.rate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(spec.bits, 18);
    fmt.writeUInt32LE(0, 20);
    Buffer.from("0000000000001000800000aa00389b71", "hex").copy(fmt, 24);
    fmt.writeUInt16LE(spec.tag, 24);
  }
  const frames = samples[0]?.length ?? 0;
  const data = Buffer.alloc(frames * blockAlign + (spec.partialFrameBytes ?? 0));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < spec.channels; c++) {
      const v = samples[c]![i]!;
      const p = i * blockAlign + c * bytes;
      if (spec.tag === 3) {
        if (bytes === 4) data.writeFloatLE(v, p);
        else data.writeDoubleLE(v, p);
      } else if (bytes === 1) data.writeUInt8(v + 128, p);
      else data.writeIntLE(v, p, bytes);
    }
  }
  const body = Buffer.concat([
    Buffer.from("WAVE", "latin1"),
    chunk("fmt ", fmt),
    ...(spec.extraChunks ?? []).map((c) => chunk(c.id, c.body)),
    chunk("data", data),
    ...(spec.trailingChunks ?? []).map((c) => chunk(c.id, c.body)),
  ]);
  const head = Buffer.alloc(8);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "audb-audio-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
