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

/** Reads an object whole: passes each chunk to `sink`; after a failed attempt calls `restart` and reads again. */
export type ReadWhole = (sink: (chunk: Uint8Array) => Promise<void> | void, restart: () => Promise<void> | void) => Promise<unknown>;

/** Downloads an object read with `read` into `dest` (see {@link downloadToFile}); a restarted read starts the file over. */
export async function readWholeToFile(dest: string, read: ReadWhole): Promise<void> {
  await downloadToFile(dest, async (handle) => {
    let position = 0;
    await read(
      async (chunk) => {
        await handle.write(chunk, 0, chunk.length, position);
        position += chunk.length;
      },
      async () => {
        await handle.truncate(0);
        position = 0;
      },
    );
  });
}

/** The bytes of an object read with `read`; a restarted read drops what came before. */
export async function readWholeToBytes(read: ReadWhole): Promise<Uint8Array> {
  let chunks: Uint8Array[] = [];
  await read(
    (chunk) => {
      chunks.push(chunk);
    },
    () => {
      chunks = [];
    },
  );
  return new Uint8Array(Buffer.concat(chunks));
}
