import { readFileSync } from "node:fs";

/** True when process `pid` of this machine runs (also when it is another user's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // there, but another user's
  }
}

/**
 * When process `pid` of this machine started (ms since the epoch), from Linux's /proc;
 * undefined where that cannot be read.
 */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // the name may hold spaces
    const ticks = Number(fields[19]); // field 22: start time in clock ticks after boot (USER_HZ = 100)
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    return Number.isFinite(ticks) && Number.isFinite(boot) ? (boot + ticks / 100) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
