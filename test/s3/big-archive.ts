// A database of many small noise WAVs (incompressible) published into ONE media archive,
// for checking that loading one member fetches only a small part of it.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { mediaKey } from "../../src/core/layout.js";
import type { Repository } from "../../src/core/repository.js";
import { tempDir } from "./fsdd-run.js";

/** 16-bit mono 8 kHz PCM WAV of `bytes` bytes of noise. */
export function noiseWav(bytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + bytes, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(bytes, 40);
  return Buffer.concat([header, randomBytes(bytes)]);
}

export const BIG_ARCHIVE = "all";

/** Writes `count` noise WAVs (`recordings/<d>_jackson_<i>.wav`) and FSDD's tables into `root`; returns the files. */
export async function writeNoiseDatabase(root: string, count: number, bytes: number): Promise<string[]> {
  await mkdir(join(root, "recordings"), { recursive: true });
  const wav = noiseWav(bytes);
  for (let i = 0; i < count; i++) {
    wav.writeUInt32LE(i, 44); // distinct contents, distinct checksums
    await writeFile(join(root, "recordings", `${i % 10}_jackson_${i}.wav`), wav);
  }
  return writeFsddDatabase(root);
}

/**
 * Writes a noise database ({@link writeNoiseDatabase}) of `count` files with `bytes` of
 * samples each, publishes them as version 1.0.0 of `fsdd` into one archive, and
 * returns the source folder, the files and the archive's key.
 */
export async function publishBigArchive(repo: Repository, count = 500, bytes = 20_000): Promise<{ root: string; files: string[]; key: string }> {
  const root = await tempDir("big-");
  const files = await writeNoiseDatabase(root, count, bytes);
  await publish(root, "1.0.0", repo, { archives: Object.fromEntries(files.map((f) => [f, BIG_ARCHIVE])) });
  return { root, files, key: mediaKey("fsdd", "1.0.0", BIG_ARCHIVE) };
}

/** Loads only `file` from the configured repositories into a fresh cache and checks its bytes. */
export async function loadOneMember(root: string, file: string): Promise<void> {
  const cacheRoot = await tempDir("cache-");
  configure({ cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
  const { folder, media } = await loadToCache("fsdd", { media: [file] });
  expect(media).toEqual([file]);
  expect((await readFile(join(folder, file))).equals(await readFile(join(root, file)))).toBe(true);
}
