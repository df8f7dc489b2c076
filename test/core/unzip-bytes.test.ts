import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ArchiveError, createArchive } from "../../src/core/archive.js";
import { unzipBytes } from "../../src/core/unzip-bytes.js";
import { zipBytes } from "../../src/core/zip-bytes.js";

describe("unzipBytes", () => {
  const wav = Buffer.from(Array.from({ length: 30_000 }, (_, i) => (i * 7) & 0xff));

  test("reads zips written by zipBytes and by yazl (createArchive)", async () => {
    const ours = await unzipBytes(await zipBytes([{ name: "a/x.wav", data: wav }, { name: "b.flac", data: wav, compression: "store" }]), "ours");
    expect(ours!.map((e) => [e.name, e.data.equals(wav)])).toEqual([["a/x.wav", true], ["b.flac", true]]);
    const root = mkdtempSync(join(tmpdir(), "unzip-"));
    writeFileSync(join(root, "c.wav"), wav);
    await createArchive(join(root, "c.zip"), root, ["c.wav"]);
    const yazl = await unzipBytes(readFileSync(join(root, "c.zip")), "c.zip");
    expect(yazl!.map((e) => [e.name, e.data.equals(wav)])).toEqual([["c.wav", true]]);
  });

  test("refuses zip slip, corrupt data and non-zips with typed errors naming the archive", async () => {
    const slip = await zipBytes([{ name: "../evil.wav", data: wav }]);
    await expect(unzipBytes(slip, "media/x.zip")).rejects.toThrow(/'\.\.\/evil\.wav' of archive 'media\/x\.zip'/);
    const good = await zipBytes([{ name: "a.wav", data: wav }]);
    const flipped = Buffer.from(good);
    flipped[40] ^= 0xff;
    await expect(unzipBytes(flipped, "media/y.zip")).rejects.toThrow(ArchiveError);
    await expect(unzipBytes(flipped, "media/y.zip")).rejects.toThrow(/media\/y\.zip/);
    await expect(unzipBytes(Buffer.from("not a zip at all, really not a zip"), "z.zip")).rejects.toThrow(/'z\.zip' is not a zip archive/);
  });

  test("an entry that inflates to more than its header says fails with a typed error naming it", async () => {
    const zip = Buffer.from(await zipBytes([{ name: "big.wav", data: wav }]));
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(100, central + 24); // uncompressed size in the central directory
    zip.writeUInt32LE(100, 22); // and in the local header
    await expect(unzipBytes(zip, "media/bomb.zip")).rejects.toThrow(ArchiveError);
    await expect(unzipBytes(zip, "media/bomb.zip")).rejects.toThrow(/'media\/bomb\.zip'.*'big\.wav'/);
  });
});
