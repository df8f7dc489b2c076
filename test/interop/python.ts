/**
 * Drive audb-python from the TypeScript tests.
 *
 * `ensureAudbVenv()` runs `test/interop/setup.sh` once per process (it is idempotent and
 * returns at once when the venv is current) and resolves to the venv's python.
 * `runPython(script, args)` runs a script of this folder (or any absolute path) with it.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of `test/interop/`. */
export const INTEROP_DIR: string = dirname(fileURLToPath(import.meta.url));
/** Absolute path of `test/interop/reference/` (committed audb-python outputs). */
export const REFERENCE_DIR: string = join(INTEROP_DIR, "reference");

export interface PythonResult {
  stdout: string;
  stderr: string;
}

export class PythonError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "PythonError";
  }
}

let venvPython: Promise<string> | undefined;

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new PythonError(
            `${command} ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-4000)}`,
            code,
            stdout,
            stderr,
          ),
        );
    });
  });
}

/**
 * Create (once) the audb-python venv at `.cache/audb-venv` and return its python path.
 * Rejects with the setup script's stderr if Python, pip or audb are unavailable.
 */
export function ensureAudbVenv(): Promise<string> {
  venvPython ??= run("bash", [join(INTEROP_DIR, "setup.sh")], process.env, INTEROP_DIR).then(
    ({ stdout }) => {
      const lines = stdout.trim().split("\n");
      const python = lines[lines.length - 1]?.trim() ?? "";
      if (!python || !existsSync(python)) {
        throw new Error(`setup.sh did not print a python path (got ${JSON.stringify(stdout)})`);
      }
      return python;
    },
  );
  // a failed setup may be retried by a later call
  venvPython.catch(() => {
    venvPython = undefined;
  });
  return venvPython;
}

/**
 * Run `script` (a file name in `test/interop/` or an absolute path) with the audb venv's
 * python. Rejects with a `PythonError` (holding stdout/stderr) on a non-zero exit.
 */
export async function runPython(
  script: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<PythonResult> {
  const python = await ensureAudbVenv();
  const path = isAbsolute(script) ? script : join(INTEROP_DIR, script);
  return run(
    python,
    [path, ...args],
    {
      ...process.env,
      PYTHONDONTWRITEBYTECODE: "1",
      PYTHONIOENCODING: "utf-8",
      // keep audb away from the user's config and caches unless the caller says otherwise
      AUDB_CACHE_ROOT: process.env["AUDB_CACHE_ROOT"] ?? join(INTEROP_DIR, "..", "..", ".cache", "audb-python-cache"),
      AUDB_SHARED_CACHE_ROOT:
        process.env["AUDB_SHARED_CACHE_ROOT"] ?? join(INTEROP_DIR, "..", "..", ".cache", "audb-python-shared"),
      ...env,
    },
    INTEROP_DIR,
  );
}

/** `runPython` and parse its stdout as JSON. */
export async function runPythonJson<T = unknown>(
  script: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<T> {
  const { stdout } = await runPython(script, args, env);
  try {
    return JSON.parse(stdout) as T;
  } catch (e) {
    throw new Error(`${script} printed no JSON: ${(e as Error).message}\n${stdout.slice(0, 2000)}`);
  }
}
