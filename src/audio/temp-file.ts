import { open, rename, rm, type FileHandle } from "node:fs/promises";
import { tempPathFor } from "../../backends/filesystem.js";

/**
 * A file written under a temporary name next to its destination and renamed
 * into place on {@link commit}, so a crash never leaves a half-written file
 * under the final name.
 */
export class TempFile {
  private position = 0;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    /** The temporary path. */
    readonly path: string,
    /** The final path. */
    readonly dest: string,
  ) {}

  /** Creates an empty temporary file in the directory of `dest`. */
  static async create(dest: string): Promise<TempFile> {
    const path = tempPathFor(dest);
    return new TempFile(await open(path, "wx"), path, dest);
  }

  /** Appends bytes. */
  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }

  /** Overwrites bytes at `offset` without moving the append position. */
  async writeAt(bytes: Uint8Array, offset: number): Promise<void> {
    await this.fh.write(bytes, 0, bytes.length, offset);
  }

  /** Closes the file and renames it to its final name. */
  async commit(): Promise<void> {
    await this.close();
    await rename(this.path, this.dest);
  }

  /** Closes and deletes the temporary file. Safe to call more than once. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}
