// Two publishes of one version must not mix: the first to claim the version publishes it,
// the other is refused before it uploads anything. Real processes race in the last test.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize, padRecordings } from "../helpers/fsdd-history.js";
import { spawnTsx } from "../helpers/spawn-tsx.js";
import { registerBackend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { claimKey, LOCAL_CLAIM_FILE, PublishClaim } from "../../src/api/publish-claim.js";
import { publish } from "../../src/api/publish.js";
import { dependenciesFromCsv } from "../../src/core/dependencies-csv.js";
import { PublishInProgressError } from "../../src/core/errors.js";
import { listVersions } from "../../src/core/layout.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { Repository } from "../../src/core/repository.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));

async function fsddFolder(tag: string): Promise<{ root: string; files: string[] }> {
  const root = await tempDir(`fsdd-${tag}-`);
  await materialize(MINI_FSDD, tag, root);
  return { root, files: await writeFsddDatabase(root) };
}

describe("a publish claims its version", () => {
  test("the claim is taken before the first upload and gone once the header is there", async () => {
    const host = await tempDir("repo-");
    const repository = new Repository("data", host, "counting-fs");
    const { root } = await fsddFolder("v1.0.10");
    resetTraffic();
    await publish(root, "1.0.0", repository);
    expect(traffic.claims).toEqual([claimKey("fsdd", "1.0.0")]);
    expect(existsSync(join(host, "data", claimKey("fsdd", "1.0.0")))).toBe(false);
    expect(existsSync(join(root, LOCAL_CLAIM_FILE))).toBe(false);
  });

  test("a claim another folder holds refuses the publish, naming who holds it, with nothing uploaded; breakClaim takes it over", async () => {
    const host = await tempDir("repo-");
    const repository = new Repository("data", host, "counting-fs");
    const backend = new FileSystemBackend(join(host, "data"));
    const foreign = { token: "someone-else", host: "lab-gpu-7", user: "ada", pid: 4242, started: "2026-12-07T09:00:00.000Z" };
    await backend.putBytes(claimKey("fsdd", "1.0.0"), Buffer.from(JSON.stringify(foreign)));
    const { root, files } = await fsddFolder("v1.0.10");
    resetTraffic();
    const refused = publish(root, "1.0.0", repository);
    await expect(refused).rejects.toThrow(PublishInProgressError);
    await expect(publish(root, "1.0.0", repository)).rejects.toThrow(
      /version '1\.0\.0' of 'fsdd' is being published from lab-gpu-7 by ada \(pid 4242\) since 2026-12-07T09:00:00\.000Z.*fsdd\/1\.0\.0\/db\.publishing\.json.*--break-claim/,
    );
    expect(traffic.puts).toEqual([]);
    expect(await listVersions(backend, "fsdd")).toEqual([]);

    await publish(root, "1.0.0", repository, { breakClaim: true });
    expect((await fetchDependencies(backend, "fsdd", "1.0.0")).media.sort()).toEqual(files);
    expect(await backend.exists(claimKey("fsdd", "1.0.0"))).toBe(false);
  });
});

describe("a claim left by a publish on this machine", () => {
  const exited = (proc: ChildProcess) => new Promise<void>((resolve) => proc.once("exit", () => resolve()));

  test("is never taken over while its process runs, not even from the same folder or with breakClaim; once it is gone, it is", async () => {
    const host = await tempDir("repo-");
    const repository = new Repository("data", host, "file-system");
    const backend = new FileSystemBackend(join(host, "data"));
    const { root, files } = await fsddFolder("v1.0.10");
    const holder = spawn("sleep", ["30"]);
    const running = { token: "t-1", host: hostname(), user: "me", pid: holder.pid, started: "2026-12-07T10:00:00.000Z" };
    await backend.putBytes(claimKey("fsdd", "1.0.0"), Buffer.from(JSON.stringify(running)));
    writeFileSync(join(root, LOCAL_CLAIM_FILE), JSON.stringify({ key: claimKey("fsdd", "1.0.0"), token: "t-1" })); // this folder took it
    for (const breakClaim of [false, true]) {
      await expect(publish(root, "1.0.0", repository, { breakClaim })).rejects.toThrow(
        new RegExp(`being published from ${hostname()} by me \\(pid ${holder.pid}\\).*wait for it \\(it runs on this machine\\)`),
      );
    }
    holder.kill();
    await exited(holder);
    // what the dead publish uploaded of files the next one does not have
    await backend.putBytes("fsdd/media/1.0.0/f0a1b2c3-0000-0000-0000-000000000000.zip", Buffer.from("left behind"));
    await backend.putBytes("fsdd/meta/1.0.0/gone.zip", Buffer.from("left behind"));
    const other = await fsddFolder("v1.0.10"); // no token: the process is gone, so the claim is free
    await publish(other.root, "1.0.0", repository);
    const deps = await fetchDependencies(backend, "fsdd", "1.0.0");
    expect(deps.media.sort()).toEqual(files);
    expect((await backend.list("fsdd/media/1.0.0")).files.sort()).toEqual(deps.media.map((f) => `${deps.archive(f)}.zip`).sort());
    expect((await backend.list("fsdd/meta/1.0.0")).files).toEqual(["files.zip", "speaker.zip"]);
  });

  test("the publish it was broken from does not remove the claim that broke it", async () => {
    const host = await tempDir("repo-");
    const backend = new FileSystemBackend(join(host, "data"));
    const [a, b] = [await tempDir("db-a-"), await tempDir("db-b-")];
    const first = await PublishClaim.take(backend, "db", "1.0.0", a, "data");
    const second = await PublishClaim.take(backend, "db", "1.0.0", b, "data", true);
    await first.release();
    expect(await backend.exists(claimKey("db", "1.0.0"))).toBe(true);
    expect(existsSync(join(a, LOCAL_CLAIM_FILE))).toBe(false);
    await second.release();
    expect(await backend.exists(claimKey("db", "1.0.0"))).toBe(false);
  });

  test("a claim that cannot be removed keeps the folder's record", async () => {
    const host = await tempDir("repo-");
    const inner = new FileSystemBackend(join(host, "data"));
    const backend = { ...inner, getBytes: (k: string) => inner.getBytes(k), putBytesIfAbsent: (k: string, b: Uint8Array) => inner.putBytesIfAbsent(k, b),
      exists: (k: string) => inner.exists(k), remove: async () => { throw new Error("network down"); } } as unknown as FileSystemBackend;
    const root = await tempDir("db-");
    const claim = await PublishClaim.take(backend, "db", "1.0.0", root, "data");
    await claim.release();
    expect(await inner.exists(claimKey("db", "1.0.0"))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, LOCAL_CLAIM_FILE), "utf8"))).toMatchObject({ key: claimKey("db", "1.0.0") });
  });
});

test("a publish that fails midway releases its claim, so another folder can publish the version", async () => {
  const host = await tempDir("repo-");
  const backend = new FileSystemBackend(join(host, "data"));
  // uploads of media fail: the archives go through putFile/putBytes (no localPath)
  registerBackend("media-fails", (h, name) => {
    const inner = new FileSystemBackend(join(h, name));
    const failing = async (key: string) => {
      if (key.includes("/media/")) throw new Error(`upload of '${key}' failed`);
    };
    return {
      kind: "media-fails", exists: (k) => inner.exists(k), size: (k) => inner.size(k), getFile: (k, d) => inner.getFile(k, d),
      getBytes: (k) => inner.getBytes(k), getStream: (k, r) => inner.getStream(k, r), list: (p) => inner.list(p), remove: (k) => inner.remove(k),
      putBytesIfAbsent: (k, b) => inner.putBytesIfAbsent(k, b),
      putFile: async (k, src) => { await failing(k); await inner.putFile(k, src); },
      putBytes: async (k, b) => { await failing(k); await inner.putBytes(k, b); },
    };
  });
  const first = await fsddFolder("v1.0.10");
  await expect(publish(first.root, "1.0.0", new Repository("data", host, "media-fails"))).rejects.toThrow(/upload of 'fsdd\/media\/1\.0\.0\/.*' failed/);
  expect(await backend.exists(claimKey("fsdd", "1.0.0"))).toBe(false);
  expect(existsSync(join(first.root, LOCAL_CLAIM_FILE))).toBe(false);
  const second = await fsddFolder("v1.0");
  await publish(second.root, "1.0.0", new Repository("data", host, "file-system"));
  expect((await fetchDependencies(backend, "fsdd", "1.0.0")).media.sort()).toEqual(second.files);
});

test("two processes publishing one version at once: one publishes it, the other uploads nothing and says why", { timeout: 180_000 }, async () => {
  const host = await tempDir("repo-");
  const backend = new FileSystemBackend(join(host, "data"));
  const a = await fsddFolder("v1.0.10");
  const b = await fsddFolder("v1.0");
  await padRecordings(a.root, 300);
  await padRecordings(b.root, 300);
  const folders = [a, b].map(({ root }) => ({ root, files: [] as string[] }));
  for (const f of folders) f.files = await writeFsddDatabase(f.root);
  const child = join(import.meta.dirname, "../helpers/publish-process.ts");
  const runs = await Promise.all(folders.map(({ root }) => spawnTsx(child, [root, host, "1.0.0"]).done));

  const winners = runs.flatMap((r, i) => (r.code === 0 ? [i] : []));
  expect(winners, runs.map((r) => r.err).join("\n")).toHaveLength(1);
  const winner = folders[winners[0]!]!;
  const loser = runs[1 - winners[0]!]!;
  expect(loser.err).toMatch(/PublishInProgressError|VersionExistsError/);
  expect(await listVersions(backend, "fsdd")).toEqual(["1.0.0"]);
  const published = await fetchDependencies(backend, "fsdd", "1.0.0");
  expect(published.equals(dependenciesFromCsv(readFileSync(join(winner.root, "db.csv"), "utf8"), "db.csv"))).toBe(true);
  expect((await backend.list("fsdd/media/1.0.0/")).files).toHaveLength(winner.files.length); // no archive of the loser
  expect(await backend.exists(claimKey("fsdd", "1.0.0"))).toBe(false);
});
