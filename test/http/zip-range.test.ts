// Ranged reads of single members out of zips served over HTTP (bytes counted by the server).
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as yazl from "yazl";
import { HttpBackend } from "../../backends/http.js";
import { copyMembers, MissingMemberError, openMember, readZipDirectory, RemoteArchiveError } from "../../backends/zip-range.js";
import { extractArchive } from "../../src/core/archive.js";
import { startStaticServer, type StaticHttpServer } from "../helpers/http-server.js";

/** Zip bytes of `entries` (name -> data), deflated unless the name ends in .flac. */
async function zipOf(entries: [string, Buffer][], options: { zip64?: boolean; comment?: string } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { compress: !name.endsWith(".flac"), forceZip64Format: options.zip64 ?? false });
  zip.end({ forceZip64Format: options.zip64 ?? false, comment: options.comment ?? "" });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const readable = (i: number) => Buffer.from(`member ${i} `.repeat(200 + i));
const entries: [string, Buffer][] = [
  ...Array.from({ length: 40 }, (_, i): [string, Buffer] => [`audio/f${i}.wav`, readable(i)]),
  ["audio/noise.flac", randomBytes(300_000)],
  ["empty.txt", Buffer.alloc(0)],
  ["audio/tone.flac", randomBytes(2_000)],
  ["ünïcode/名前.txt", Buffer.from("utf-8 name")],
];

describe("ranged zip members over HTTP", () => {
  let root: string;
  let server: StaticHttpServer;
  let backend: HttpBackend;
  const serve = async (key: string, data: Buffer) => writeFile(join(root, "repo", key), data);
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "zip-range-"));
    await (await import("node:fs/promises")).mkdir(join(root, "repo"));
    server = await startStaticServer(root);
    backend = new HttpBackend(server.url, "repo");
    await serve("plain.zip", await zipOf(entries));
    await serve("zip64.zip", await zipOf(entries.slice(0, 5), { zip64: true }));
    await serve("comment.zip", await zipOf(entries.slice(0, 3), { comment: "c".repeat(20_000) }));
  });
  afterAll(async () => server?.stop());

  test("reads the directory and one member with a few small ranged requests", async () => {
    const size = (await readFile(join(root, "repo", "plain.zip"))).length;
    server.resetStats();
    const dir = await readZipDirectory(backend, "plain.zip");
    expect([...dir.members.keys()].sort()).toEqual(entries.map(([n]) => n).sort());
    expect(await text(await openMember(backend, dir, "audio/f7.wav"))).toBe(readable(7).toString());
    expect(server.stats.ranges.length).toBeLessThanOrEqual(4);
    expect(server.stats.bytesSent).toBeLessThan(size / 10);
  });

  test("stored, empty and unicode-named members come out whole", async () => {
    const dir = await readZipDirectory(backend, "plain.zip");
    const bytes = async (name: string) => Buffer.concat(await (await openMember(backend, dir, name)).toArray());
    expect((await bytes("audio/noise.flac")).equals(entries[40]![1])).toBe(true);
    expect(await bytes("empty.txt")).toHaveLength(0);
    expect((await bytes("ünïcode/名前.txt")).toString()).toBe("utf-8 name");
  });

  test("zip64 archives and long comments (EOCD beyond the first tail read)", async () => {
    for (const key of ["zip64.zip", "comment.zip"]) {
      const dir = await readZipDirectory(backend, key);
      expect(await text(await openMember(backend, dir, "audio/f2.wav"))).toBe(readable(2).toString());
      const copy = join(root, `copy-${key}`);
      await copyMembers(backend, dir, ["audio/f1.wav"], copy);
      expect(await extractArchive(copy, join(root, `out-${key}`))).toEqual(["audio/f1.wav"]);
      expect(await readFile(join(root, `out-${key}`, "audio/f1.wav"), "utf8")).toBe(readable(1).toString());
    }
  });

  test("copyMembers writes a zip of just the wanted members that extractArchive unpacks", async () => {
    const dir = await readZipDirectory(backend, "plain.zip");
    const dest = join(root, "copy.zip");
    const wanted = ["audio/f3.wav", "audio/tone.flac", "empty.txt"];
    const fetched = await copyMembers(backend, dir, wanted, dest);
    const out = join(root, "out");
    expect((await extractArchive(dest, out)).sort()).toEqual(wanted.sort());
    expect((await readFile(join(out, "audio/tone.flac"))).equals(entries[42]![1])).toBe(true);
    expect(await readFile(join(out, "audio/f3.wav"), "utf8")).toBe(readable(3).toString());
    expect(fetched).toBeGreaterThan(2_000);
    expect(fetched).toBeLessThan(dir.size / 20);
  });

  test("typed errors name archive and member: missing member, zip slip, corrupt data, not a zip", async () => {
    const dir = await readZipDirectory(backend, "plain.zip");
    await expect(openMember(backend, dir, "nope.wav")).rejects.toThrow(MissingMemberError);
    await expect(openMember(backend, dir, "nope.wav")).rejects.toThrow(/archive 'plain.zip' has no member 'nope.wav'/);

    // same-length rename of "aa/" to "../" in local and central headers
    await serve("slip.zip", Buffer.from((await zipOf([["aa/evil.txt", Buffer.from("x")]])).toString("latin1").replaceAll("aa/evil", "../evil"), "latin1"));
    const slip = await readZipDirectory(backend, "slip.zip");
    await expect(openMember(backend, slip, "../evil.txt")).rejects.toThrow(/refusing member '\.\.\/evil\.txt' of archive 'slip.zip'/);
    await expect(copyMembers(backend, slip, ["../evil.txt"], join(root, "slip-copy.zip"))).rejects.toThrow(RemoteArchiveError);

    const data = await zipOf([["a.wav", readable(1)]]);
    data[40] = (data[40]! ^ 0xff) & 0xff; // inside the deflated data
    await serve("corrupt.zip", data);
    const corrupt = await readZipDirectory(backend, "corrupt.zip");
    await expect(text(await openMember(backend, corrupt, "a.wav"))).rejects.toThrow(/member 'a.wav' of archive 'corrupt.zip'/);

    await serve("not.zip", randomBytes(10_000));
    await expect(readZipDirectory(backend, "not.zip")).rejects.toThrow(/archive 'not.zip' is not a zip/);
  });
});
