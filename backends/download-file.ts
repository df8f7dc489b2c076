import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Downloads into `dest` atomically: `fill` writes a temp file beside it (`*.part`), which
 * is renamed onto `dest` only when complete; on failure the temp file is removed.
 */
export async function downloadToFile(dest: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = `${dest}.${randomBytes(6).toString("hex")}.part`;
  const handle = await open(temp, "w");
  let ok = false;
  try {
    await fill(handle);
    await handle.close();
    await rename(temp, dest);
    ok = true;
  } finally {
    if (!ok) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}
