// The interop database (header and tables exactly as audformat saved them, committed in
// reference/db-1.0.0: CSV filewise table with every dtype, PARQUET segmented table, CSV
// misc table used by a scheme, PARQUET misc table with a 2-level index), with media and
// attachments written here, so audb-ts can publish it without Python.
import { cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { REFERENCE_DIR } from "./python.js";

/** PCM WAV (format tag 1, as libsndfile writes) of a sine per channel. */
export function sineWav(opts: { samplingRate: number; channels?: number; bitDepth?: number; duration: number; freq?: number }): Buffer {
  const { samplingRate, channels = 1, bitDepth = 16, duration, freq = 440 } = opts;
  const frames = Math.round(samplingRate * duration);
  const bytes = bitDepth / 8;
  const data = Buffer.alloc(frames * channels * bytes);
  const max = 2 ** (bitDepth - 1) - 1;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.round(0.5 * Math.sin((2 * Math.PI * freq * (c + 1) * i) / samplingRate) * max);
      data.writeIntLE(v, (i * channels + c) * bytes, bytes);
    }
  }
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(samplingRate, 24);
  header.writeUInt32LE(samplingRate * channels * bytes, 28);
  header.writeUInt16LE(channels * bytes, 32);
  header.writeUInt16LE(bitDepth, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

async function put(root: string, file: string, data: Buffer | string): Promise<void> {
  await mkdir(dirname(join(root, file)), { recursive: true });
  await writeFile(join(root, file), data);
}

/** Media of the interop database (as `publish_db.py` builds them). */
export const SYNTHETIC_MEDIA = ["wav/a.wav", "wav/b.wav", "wav/c.wav", "wav/d.wav", "audio/e.wav", "txt/note.txt"];
/** Archives audb-python's publish_db.py uses for 1.0.0. */
export const SYNTHETIC_ARCHIVES = { "wav/c.wav": "group", "wav/d.wav": "group" };

/** Writes the interop database 1.0.0 (name `interop`) into `root`. */
export async function writeSyntheticDatabase(root: string): Promise<void> {
  await cp(join(REFERENCE_DIR, "db-1.0.0"), root, { recursive: true });
  await put(root, "wav/a.wav", sineWav({ samplingRate: 8000, duration: 0.1 }));
  await put(root, "wav/b.wav", sineWav({ samplingRate: 16000, channels: 2, bitDepth: 24, duration: 0.05 }));
  await put(root, "wav/c.wav", sineWav({ samplingRate: 8000, duration: 0.1, freq: 220 }));
  await put(root, "wav/d.wav", sineWav({ samplingRate: 8000, duration: 0.2, freq: 330 }));
  await put(root, "audio/e.wav", sineWav({ samplingRate: 44100, bitDepth: 32, duration: 0.02 }));
  await put(root, "txt/note.txt", "a text media file\n");
  await put(root, "docs/readme.txt", "attachment file\n");
  await put(root, "folder/x.txt", "x\n");
  await put(root, "folder/sub/y.txt", "y\n");
}
