import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { spawnTsx, waitForOutput } from "../helpers/spawn-tsx.js";
import { FULL_FSDD, MINI_FSDD, hasFullFsdd, materialize, padRecordings } from "../helpers/fsdd-history.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { listVersions } from "../../src/core/layout.js";
import { FileSystemBackend, isTempName } from "../../backends/filesystem.js";
import { LOCAL_CLAIM_FILE, claimKey } from "../../src/api/publish-claim.js";

const child = join(import.meta.dirname, "../helpers/publish-process.ts");

const start = (args: string[]) => spawnTsx(child, args);

test("killing a publish midway leaves no visible version; running it again completes it", { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), "fsdd-"));
  const host = await mkdtemp(join(tmpdir(), "repo-"));
  await materialize(hasFullFsdd ? FULL_FSDD : MINI_FSDD, "v1.0.10", root);
  await padRecordings(root, 1000);
  const files = await writeFsddDatabase(root);
  const backend = new FileSystemBackend(join(host, "data"));

  const victim = start([root, host, "1.0.0", "announce"]);
  await waitForOutput(victim, "uploading");
  victim.proc.kill("SIGKILL");
  await victim.done;
  expect(await listVersions(backend, "fsdd")).toEqual([]);
  expect((await backend.list("fsdd/media/1.0.0/")).files.length).toBeLessThan(files.length);

  const again = start([root, host, "1.0.0"]);
  expect((await again.done).code, again.err()).toBe(0);
  expect(await listVersions(backend, "fsdd")).toEqual(["1.0.0"]);
  const deps = await fetchDependencies(backend, "fsdd", "1.0.0");
  expect(deps.media.sort()).toEqual(files);
  expect((await backend.list("fsdd/media/1.0.0/")).files).toHaveLength(files.length);
});

test("a publish killed right after its dependency table or its header went up: running it again finishes it, and leaves no claim or temp file", { timeout: 180_000 }, async () => {
  const hook = join(import.meta.dirname, "../helpers/kill-after-rename.cjs");
  for (const last of ["db.zip", "db.yaml"]) {
    const root = await mkdtemp(join(tmpdir(), "fsdd-"));
    const host = await mkdtemp(join(tmpdir(), "repo-"));
    await materialize(MINI_FSDD, "v1.0.10", root);
    await writeFsddDatabase(root);
    const backend = new FileSystemBackend(join(host, "data"));
    expect((await start([root, host, "1.0.0"]).done).code).toBe(0);
    await copyFile(join(root, "recordings/1_theo_0.wav"), join(root, "recordings/0_theo_0.wav"));

    const env = { AUDB_KILL_AFTER: `/fsdd/1.1.0/${last}`, AUDB_KILL_UNDER: host };
    const victim = spawnTsx(child, [root, host, "1.1.0"], { nodeArgs: ["--require", hook], env });
    expect((await victim.done).code, `${last}: ${victim.err()}`).toBeNull(); // killed
    expect(await listVersions(backend, "fsdd"), last).toEqual(last === "db.yaml" ? ["1.0.0", "1.1.0"] : ["1.0.0"]);
    expect((await readdir(root)).filter(isTempName).length, last).toBeGreaterThan(0);

    const again = start([root, host, "1.1.0"]);
    expect((await again.done).code, `${last}: ${again.err()}`).toBe(0);
    expect(await listVersions(backend, "fsdd")).toEqual(["1.0.0", "1.1.0"]);
    expect(await backend.exists(claimKey("fsdd", "1.1.0")), last).toBe(false);
    expect(existsSync(join(root, LOCAL_CLAIM_FILE)), last).toBe(false);
    expect((await readdir(root)).filter(isTempName), last).toEqual([]);
    expect((await fetchDependencies(backend, "fsdd", "1.1.0")).version("recordings/0_theo_0.wav"), last).toBe("1.1.0");

    // the folder's db.csv is 1.1.0's: the next version builds on it
    await copyFile(join(root, "recordings/1_theo_1.wav"), join(root, "recordings/0_theo_1.wav"));
    const next = start([root, host, "1.2.0"]);
    expect((await next.done).code, `${last}: ${next.err()}`).toBe(0);
    expect((await backend.list("fsdd/media/1.2.0/")).files, last).toHaveLength(1);
  }
});
