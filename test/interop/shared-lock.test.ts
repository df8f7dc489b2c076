// audb-python's FolderLock (filelock: flock(2) on `.<folder>.lock` beside a cache folder)
// and audb-ts's lock of the same folder exclude each other, so that an audb-python and an
// audb-ts load of one flavour take turns instead of both filling the folder.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadToCache } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { LockTimeoutError } from "../../src/core/errors.js";
import { withFolderLock } from "../../src/core/lock.js";
import { Repository } from "../../src/core/repository.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { interopAvailable } from "./batch.js";
import { ensureAudbVenv, INTEROP_DIR } from "./python.js";

const available = await interopAvailable();

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr (as `which` says) holds `text`; rejects after `ms`. */
  waitFor: (which: "stdout" | "stderr", text: string, ms: number) => Promise<void>;
  exit: Promise<number | null>;
}

/** Starts the audb venv's python on `args`, with stdin kept open until the test ends it. */
async function startPython(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(await ensureAudbVenv(), args, {
    cwd: INTEROP_DIR,
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const text = { stdout: "", stderr: "" };
  child.stdout!.on("data", (b: Buffer) => (text.stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (text.stderr += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = (which: "stdout" | "stderr", wanted: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (text[which].includes(wanted)) resolve();
        else if (Date.now() - started > ms || child.exitCode !== null) reject(new Error(`python never printed '${wanted}' (${which}: ${text[which].slice(-2000)})`));
        else return;
        clearInterval(poll);
      }, 20);
    });
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, waitFor, exit };
}

/** audb's FolderLock on `folder`: tries for `timeout` s, prints acquired or timeout. */
const TRY_LOCK = `
import sys, filelock
from audb.core.lock import FolderLock
try:
    with FolderLock(sys.argv[1], timeout=float(sys.argv[2]), warning_timeout=60):
        print("acquired")
except filelock.Timeout:
    print("timeout")
`;

/** audb's FolderLock on `folder`, held until stdin ends. */
const HOLD_LOCK = `
import sys
from audb.core.lock import FolderLock
with FolderLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
print("released", flush=True)
`;

describe.skipIf(!available.ok)("audb-python's and audb-ts's locks of a cache folder exclude each other", () => {
  test("audb-python's FolderLock waits while audb-ts holds the folder, and gets it once audb-ts lets go", async () => {
    const folder = join(await mkdtemp(join(tmpdir(), "interop-lock-")), "1.0.0", "d3b07384");
    await withFolderLock(folder, async () => {
      const held = await startPython(["-c", TRY_LOCK, folder, "0.5"]);
      expect(await held.exit).toBe(0);
      expect(held.stdout().trim()).toBe("timeout");
    });
    const free = await startPython(["-c", TRY_LOCK, folder, "5"]);
    expect(await free.exit).toBe(0);
    expect(free.stdout().trim()).toBe("acquired");
  });

  test("audb-ts waits while audb-python's FolderLock holds the folder: a timeout names audb's lock file", async () => {
    const folder = join(await mkdtemp(join(tmpdir(), "interop-lock-")), "1.0.0", "d3b07384");
    const python = await startPython(["-c", HOLD_LOCK, folder]);
    await python.waitFor("stdout", "held", 60_000);
    const error = await withFolderLock(folder, async () => "entered", 0.5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain(join(folder, "..", ".d3b07384.lock"));

    let releasing = false;
    const entered = withFolderLock(folder, async () => releasing, 30);
    await new Promise((r) => setTimeout(r, 300));
    releasing = true;
    python.child.stdin!.end();
    expect(await entered).toBe(true); // not entered before audb-python was told to let go
    expect(await python.exit).toBe(0);
  });

  test("an audb-python load of the flavour audb-ts is loading waits, then finds the folder complete (folder attachment)", async () => {
    const work = await mkdtemp(join(tmpdir(), "interop-lock-load-"));
    const source = join(work, "src");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source, FSDD_WITH_ATTACHMENTS);
    await writeAttachments(source);
    const host = join(work, "host");
    await mkdir(host);
    const cacheRoot = join(work, "cache");
    configure({ repositories: [new Repository("data", host, "counting-fs")], cacheRoot, sharedCacheRoot: join(work, "none") });
    await publish(source, "1.0.0", new Repository("data", host, "counting-fs"), { checksum: "md5" });

    const ops = join(work, "ops.json");
    const out = join(work, "out.json");
    await writeFile(ops, JSON.stringify([{ op: "load", repos: [`data@${host}`], name: "fsdd", version: "1.0.0", cache_root: cacheRoot, tables_json: false }]));
    let python: Started | undefined;
    resetTraffic();
    traffic.beforeGet = async (key) => {
      if (python || !(key.includes("/media/") || key.includes("/attachment/"))) return;
      // audb-ts holds the flavour folder: audb-python's load must wait for it (audb warns
      // after 2 s of waiting) instead of filling the folder beside us
      python = await startPython([join(INTEROP_DIR, "batch.py"), ops, out], {
        AUDB_CACHE_ROOT: cacheRoot, AUDB_SHARED_CACHE_ROOT: join(work, "none"),
      });
      await python.waitFor("stderr", "Lock could not be acquired immediately", 90_000);
    };
    try {
      const loaded = await loadToCache("fsdd", { version: "1.0.0" });
      expect(python, "audb-python was started").toBeDefined();
      expect(await python!.exit, python!.stderr()).toBe(0);
      const [result] = JSON.parse(await readFile(out, "utf8")) as Array<{ ok: boolean; error?: string; result: { root: string } }>;
      expect(result!.error).toBeUndefined();
      expect(result!.ok).toBe(true);
      expect(result!.result.root).toBe(loaded.folder);
      expect(readFileSync(join(loaded.folder, "extra/sub/b.txt"), "utf8")).toBe("b\n");
      expect(existsSync(join(loaded.folder, ".complete"))).toBe(true);
    } finally {
      resetTraffic();
      python?.child.kill();
    }
  }, 180_000);
});
