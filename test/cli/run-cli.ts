// Runs the audb CLI as a user would: a separate node process on cli/main.ts.
import { execFile } from "node:child_process";
import { resolve } from "node:path";

export const MAIN = resolve(import.meta.dirname, "../../cli/main.ts");
export const PROJECT = resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `audb ...args` with `env` added to the environment. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath, ["--import", "tsx", MAIN, ...args],
      { cwd: PROJECT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 2) : 0, stdout, stderr }),
    );
  });
}
