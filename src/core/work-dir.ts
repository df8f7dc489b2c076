import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temp folder created on first use: most publishes build every archive in memory and need none. */
export class WorkDir {
  private dir: Promise<string> | undefined;

  /** `prefix`: start of the folder's name in the system's temp folder. */
  constructor(private readonly prefix: string) {}

  /** `name` in the folder, which is created now if it does not exist yet. */
  async path(name: string): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), this.prefix));
    return join(await this.dir, name);
  }

  /** Removes the folder and all in it, if it was created. */
  async remove(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}
