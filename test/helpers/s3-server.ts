// Starts real S3-compatible servers on 127.0.0.1 for tests and benches: moto (Python,
// installed into .cache/moto-venv by test/s3/setup.sh) and s3rver (npm).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const motoPython = join(projectRoot, ".cache/moto-venv/bin/python");

/** A running S3-compatible server. */
export interface S3TestServer {
  /** `moto` or `s3rver`. */
  readonly kind: "moto" | "s3rver";
  /** Endpoint URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** Credentials the server accepts. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (released before returning; fine for tests). */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * Installs moto when needed. Returns null when ready, else the reason it is not.
 * In CI (`process.env.CI` set) a failed install throws: S3 tests must never skip there.
 */
export function ensureMoto(): string | null {
  if (existsSync(motoPython)) {
    const probe = spawnSync(motoPython, ["-c", "import moto.server"], { stdio: "ignore" });
    if (probe.status === 0) return null;
  }
  const setup = spawnSync("bash", [join(projectRoot, "test/s3/setup.sh")], { encoding: "utf8" });
  if (setup.status === 0) return null;
  const reason = `moto could not be installed by test/s3/setup.sh (exit ${setup.status}): ${(setup.stderr || String(setup.error ?? "")).trim().slice(-500)}`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before answering ${url}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not answer within ${timeoutMs} ms`);
}

/** Starts moto's S3 server on a free port. Call ensureMoto() first. */
export async function startMoto(): Promise<S3TestServer> {
  const port = await freePort();
  const child = spawn(motoPython, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${endpoint}/moto-api/`, child, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`moto failed to start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    kind: "moto",
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    stop: () => stopChild(child),
  };
}

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: Record<string, string>;
}

interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

interface S3rverInstance {
  store: S3rverStore;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/**
 * s3rver 3.7 writes objects in place (and reports success before the bytes are flushed),
 * so a concurrent reader sees torn objects; S3 and moto replace objects atomically. This
 * gives its store S3's semantics: write a temp file, then rename it into place.
 */
function makeStoreAtomic(store: S3rverStore): void {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    const temp = `${objectPath}.${randomBytes(6).toString("hex")}.tmp`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash("md5");
    let size = 0;
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(
      content,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    );
    const digest = md5.digest("hex");
    await rename(temp, objectPath);
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** Runs s3rver in this process until SIGTERM; prints `{"port": N}` once listening. */
async function runS3rverHere(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "audb-s3rver-"));
  const moduleName = "s3rver"; // untyped package: load it dynamically
  const S3rver = ((await import(moduleName)) as { default: new (options: object) => S3rverInstance }).default;
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, resetOnClose: true });
  makeStoreAtomic(server.store);
  const { port } = await server.run();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.once("SIGTERM", () => {
    void server
      .close()
      .then(() => rm(directory, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  });
}

/**
 * Starts s3rver in a child process (so its memory and CPU do not count as the client's)
 * on a free port with a fresh data folder.
 */
export async function startS3rver(): Promise<S3TestServer> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--s3rver-child"], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const port = await new Promise<number>((done, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within 30 s\n${stderr}`)), 30_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /\{"port":(\d+)\}/.exec(out);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`s3rver exited with code ${code}\n${stderr}`));
    });
  });
  return {
    kind: "s3rver",
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
  });
}

if (process.argv.includes("--s3rver-child") && process.argv[1] === fileURLToPath(import.meta.url)) {
  await runS3rverHere();
}
