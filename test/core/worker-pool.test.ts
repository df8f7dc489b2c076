import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { WorkerPool, workerScript } from "../../src/core/worker-pool.js";

/** A worker script (plain JavaScript) with `body` as its code. */
function script(body: string): { url: URL } {
  const file = join(mkdtempSync(join(tmpdir(), "audb-pool-")), "worker.mjs");
  writeFileSync(file, body);
  return { url: pathToFileURL(file) };
}

/**
 * Code of a program that runs tasks 1 and 2 on a pool of two workers, each answering
 * `answer` (an expression of `task`), and prints the answers as JSON.
 */
function poolProgram(answer: string): string {
  const worker = script(`import { parentPort } from "node:worker_threads"; parentPort.on("message", ({ id, task }) => parentPort.postMessage({ id, result: ${answer} }));`);
  const poolModule = pathToFileURL(join(import.meta.dirname, "../../src/core/worker-pool.ts")).href;
  return `const { WorkerPool } = await import(${JSON.stringify(poolModule)});
const pool = new WorkerPool({ url: new URL(${JSON.stringify(worker.url.href)}) }, 2);
console.log(JSON.stringify(await Promise.all([1, 2].map((n) => pool.run(n)))));
await pool.close();`;
}

const tooLate = (ms: number) => new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms));

describe("WorkerPool", () => {
  it("answers tasks, also on workers added with grow", async () => {
    const pool = new WorkerPool<number, number>(
      script(`import { parentPort } from "node:worker_threads"; parentPort.on("message", ({ id, task }) => parentPort.postMessage({ id, result: task * 2 }));`),
      1,
    );
    try {
      pool.grow(3);
      expect(pool.size).toBe(3);
      expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => pool.run(n)))).toEqual([2, 4, 6, 8, 10, 12, 14]);
    } finally {
      await pool.close();
    }
  });

  it("rejects tasks at once when every worker has died, instead of waiting forever", async () => {
    const pool = new WorkerPool<number, number>(script(`process.exit(3);`), 1);
    try {
      await expect(Promise.race([pool.run(1), tooLate(10_000)])).rejects.toThrow(/exited with code 3/);
      await expect(Promise.race([pool.run(2), tooLate(2_000)])).rejects.toThrow(/exited with code 3/);
    } finally {
      await pool.close();
    }
  });

  it("starts its workers from a script run with node --input-type=module -e (the option is not passed on)", () => {
    const code = poolProgram("task + 1");
    for (const inputType of [["--input-type=module"], ["--input-type", "module"]]) {
      const out = execFileSync(process.execPath, ["--import", "tsx", ...inputType, "-e", code], { encoding: "utf8" });
      expect(out.trim()).toBe("[2,3]");
    }
  });

  it("starts its workers from a script run with NODE_OPTIONS=--input-type=module node -e (the option is not passed on)", () => {
    const code = poolProgram("[task, process.env.NODE_OPTIONS]");
    for (const inputType of ["--input-type=module", "--input-type module"]) {
      const env = { ...process.env, NODE_OPTIONS: `--max-old-space-size=4096 ${inputType} --trace-warnings` };
      const out = execFileSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", env });
      expect(JSON.parse(out), inputType).toEqual([1, 2].map((n) => [n, "--max-old-space-size=4096 --trace-warnings"]));
    }
  });

  it("starts its workers in a process run with V8 options (node --max-old-space-size), also with --input-type", () => {
    const code = poolProgram("task * 3");
    const main = join(mkdtempSync(join(tmpdir(), "audb-pool-")), "main.mjs");
    writeFileSync(main, code);
    const v8Options = ["--max-old-space-size=4096", "--stack-size=2000"];
    for (const args of [[...v8Options, main], [...v8Options, "--input-type=module", "-e", code]]) {
      const out = execFileSync(process.execPath, ["--import", "tsx", ...args], { encoding: "utf8" });
      expect(out.trim()).toBe("[3,6]");
    }
  });

  it("names the missing worker script when neither its .js nor its .ts file is there (a bundled app), not tsx", () => {
    const bundle = pathToFileURL(join(mkdtempSync(join(tmpdir(), "audb-bundle-")), "app.mjs")).href;
    const missing = fileURLToPath(new URL("./publish-worker.js", bundle));
    expect(() => workerScript("publish-worker", bundle)).toThrow(`worker script ${missing} is missing`);
    expect(() => workerScript("publish-worker", bundle)).toThrow(/a bundle does not copy; leave audb-ts out of the bundle/);
  });

  it("runs a worker's .ts source through tsx when no .js file is next to it (running from src/)", () => {
    const script = workerScript("checksum-worker", pathToFileURL(join(import.meta.dirname, "../../src/core/checksum.ts")).href);
    expect(script.url.pathname).toMatch(/\/src\/core\/checksum-worker\.ts$/);
    expect(script.bootstrap).toContain("tsImport");
  });
});
