import { spawnSync } from "node:child_process";

/** True when `command` runs on this machine (`command --version` exits 0). */
export function hasCommand(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

/** sox is there (CI installs it; tests that compare with it are skipped without it elsewhere). */
export const hasSox = hasCommand("sox");
