import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Fifo } from "./fifo.js";

/** Message a pool worker receives. */
export interface PoolRequest<T> {
  id: number;
  task: T;
}

/** Message a pool worker answers with: a result or an error message. */
export type PoolResponse<R> = { id: number; result: R } | { id: number; error: string };

/** File URL of tsx's ESM API module (`tsx/esm/api`, import condition), found from `base`. */
function tsxEsmApiUrl(base: string): string {
  const manifest = createRequire(base).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifest), pkg.exports["./esm/api"]!.import.default)).href;
}

/** How to start a worker: a script URL, or code to evaluate. */
export interface WorkerScript {
  url: URL;
  /** Code run instead of `url` (with `eval: true`) when the script needs a loader. */
  bootstrap?: string;
}

/**
 * Resolves a worker script that sits next to `base` (an `import.meta.url`): the compiled
 * `.js` file when it exists (running from `dist/`), else the `.ts` source, loaded through
 * tsx's `tsImport` (running under tsx or vitest; `--import tsx` in a worker's execArgv is
 * not honoured by Node 20 for the worker's entry module). Throws when neither is there, as
 * in an app whose bundler inlined audb-ts but did not copy its worker scripts.
 */
export function workerScript(name: string, base: string): WorkerScript {
  const js = new URL(`./${name}.js`, base);
  if (existsSync(fileURLToPath(js))) return { url: js };
  const ts = new URL(`./${name}.ts`, base);
  if (!existsSync(fileURLToPath(ts))) {
    throw new Error(`audb-ts's worker script ${fileURLToPath(js)} is missing: audb-ts starts worker threads from the worker scripts installed next to its modules (and loads some modules at run time), which a bundle does not copy; leave audb-ts out of the bundle (esbuild --packages=external, or external: ["audb-ts"])`);
  }
  const tsxApi = tsxEsmApiUrl(base);
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(ts.href)}))`;
  return { url: ts, bootstrap };
}

interface Pending<R> {
  resolve(result: R): void;
  reject(err: Error): void;
}

interface Slot<T, R> {
  worker: Worker;
  busy: Map<number, Pending<R>>;
  failed?: Error;
}

/**
 * A fixed set of worker threads running one script. `run` queues a task and resolves with
 * the worker's answer; tasks are spread so each worker has at most `inFlight` pending.
 * Call `close` when done.
 */
export class WorkerPool<T, R> {
  private readonly slots: Slot<T, R>[] = [];
  private readonly queue = new Fifo<{ id: number; task: T; pending: Pending<R> }>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly script: WorkerScript,
    size: number,
    private readonly inFlight = 2,
  ) {
    this.grow(Math.max(1, size));
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Starts more workers, up to `size` in all. */
  grow(size: number): void {
    while (this.slots.length < size && !this.closed) this.slots.push(this.spawn(this.script));
    this.dispatch();
  }

  private spawn(script: WorkerScript): Slot<T, R> {
    const worker = startWorker(script, { execArgv: workerExecArgv(), env: workerEnv() });
    const slot: Slot<T, R> = { worker, busy: new Map() };
    worker.on("message", (msg: PoolResponse<R>) => {
      const pending = slot.busy.get(msg.id);
      if (!pending) return;
      slot.busy.delete(msg.id);
      if ("error" in msg) pending.reject(new Error(msg.error));
      else pending.resolve(msg.result);
      this.dispatch();
    });
    const fail = (err: Error) => {
      slot.failed = err;
      for (const pending of slot.busy.values()) pending.reject(err);
      slot.busy.clear();
      if (this.slots.every((s) => s.failed)) {
        for (const queued of this.queue.drain()) queued.pending.reject(err);
      } else {
        this.dispatch();
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!this.closed) fail(new Error(`worker ${script.url.href} exited with code ${code}`));
    });
    return slot;
  }

  /** Runs `task` on a worker; rejects at once when every worker has failed. */
  run(task: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    const failed = this.slots.length > 0 && this.slots.every((s) => s.failed) ? this.slots[0]!.failed : undefined;
    if (failed) return Promise.reject(failed);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, pending: { resolve, reject } });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots
        .filter((s) => !s.failed && s.busy.size < this.inFlight)
        .sort((a, b) => a.busy.size - b.busy.size)[0];
      if (!slot) return;
      const next = this.queue.take()!;
      slot.busy.set(next.id, next.pending);
      slot.worker.postMessage({ id: next.id, task: next.task } satisfies PoolRequest<T>);
    }
  }

  /** Terminates all workers; pending tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error("worker pool closed");
    for (const queued of this.queue.drain()) queued.pending.reject(err);
    for (const slot of this.slots) for (const pending of slot.busy.values()) pending.reject(err);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Node options for a worker; undefined: this thread's, as Node passes them on. */
interface WorkerOptions {
  execArgv: string[] | undefined;
  env: NodeJS.ProcessEnv | undefined;
}

/** A worker running `script` with `options`. */
function startWorker(script: WorkerScript, options: WorkerOptions): Worker {
  try {
    return script.bootstrap ? new Worker(script.bootstrap, { eval: true, ...options }) : new Worker(script.url, options);
  } catch (err) {
    // Node refuses V8 and process-wide options (--max-old-space-size) in a list it is given;
    // they hold for the worker anyway, being the process's.
    const { execArgv } = options;
    if (execArgv === undefined || execArgv.length === 0 || (err as NodeJS.ErrnoException).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw err;
    return startWorker(script, { ...options, execArgv: [] });
  }
}

const isInputType = (arg: string) => arg === "--input-type" || arg.startsWith("--input-type=");

/**
 * This process's Node options for a worker: inherited as they are (undefined), unless they
 * hold `--input-type`: a script run with `node --input-type=module -e …` would pass it on,
 * and Node refuses it for a worker's file; then the rest of them.
 */
function workerExecArgv(): string[] | undefined {
  if (!process.execArgv.some(isInputType)) return undefined;
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === "--input-type") i++; // and its value
    else if (!isInputType(arg)) args.push(arg);
  }
  return args;
}

/** `--input-type=…` or `--input-type …` in NODE_OPTIONS, with the space before it. */
const INPUT_TYPE_OPTION = /(^|\s)--input-type(=\S*|\s+\S+)/g;

/**
 * This process's environment for a worker: inherited as it is (undefined), unless
 * NODE_OPTIONS holds `--input-type` (`NODE_OPTIONS=--input-type=module node -e …`), which a
 * worker parses too and refuses for its file; then with NODE_OPTIONS without it.
 */
function workerEnv(): NodeJS.ProcessEnv | undefined {
  const options = process.env.NODE_OPTIONS;
  if (!options?.match(INPUT_TYPE_OPTION)) return undefined;
  return { ...process.env, NODE_OPTIONS: options.replace(INPUT_TYPE_OPTION, "").trim() };
}
