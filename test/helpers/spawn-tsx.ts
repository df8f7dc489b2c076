// Runs a TypeScript file in a child Node process (through tsx) and collects its output.
import { spawn, type ChildProcess } from "node:child_process";

export interface RunningChild {
  proc: ChildProcess;
  /** Resolves with the exit code once the process ends. */
  done: Promise<{ code: number | null; out: string; err: string }>;
  /** Standard output so far. */
  out(): string;
  /** Standard error so far. */
  err(): string;
}

/** Runs `script` with `args`; `nodeArgs` go to node first, `env` adds to this process's environment. */
export function spawnTsx(script: string, args: string[], { nodeArgs = [], env = {} }: { nodeArgs?: string[]; env?: Record<string, string> } = {}): RunningChild {
  const proc = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    proc.on("exit", (code) => resolve({ code, out, err })),
  );
  return { proc, done, out: () => out, err: () => err };
}

/** Resolves once the child prints `marker`; rejects if it exits first. */
export function waitForOutput(child: RunningChild, marker: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (child.out().includes(marker)) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
    void child.done.then(() => {
      clearInterval(timer);
      if (child.out().includes(marker)) resolve();
      else reject(new Error(`child ended before printing '${marker}': ${child.out()} ${child.err()}`));
    });
  });
}
