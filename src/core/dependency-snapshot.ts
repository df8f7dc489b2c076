import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../../backends/filesystem.js";
import { checksumBytes } from "./checksum.js";
import type { Dependencies } from "./dependencies.js";
import { dependenciesFromCompact, dependenciesToCompactParts } from "./dependencies-compact.js";
import { csvLineStarts } from "./dependencies-csv.js";
import { framedHeader, readFramedHeader } from "./framed-header.js";
import { aligned } from "./typed-views.js";

/**
 * File name, in a database folder, of the dependency table of the version the folder was
 * last published as, in our compact format: the next publish starts from it instead of
 * inflating and parsing that version's `db.zip` (15 - 20 ms of 10,000 rows).
 */
export const DEPENDENCY_SNAPSHOT_FILE = ".audb-dependencies.bin";

// framed header (meta) | compact table (`bodyLength` bytes) | where the lines of `db.csv`
// start (u32 LE, one more than rows: the end), so the next publish need not scan it.
// AUDBSNP1 snapshots (no line starts) are not read: that publish parses db.zip once.
const MAGIC = "AUDBSNP2";

/**
 * What a snapshot stands for: a version, and the xxh64 of the `db.zip` it was uploaded
 * as, of the `db.csv` written beside it, of the compact table that follows and of the
 * line starts after that.
 */
interface SnapshotMeta {
  name: string;
  version: string;
  zip: string;
  csv: string;
  body: string;
  bodyLength: number;
  lines: string;
}

/** The table part of a snapshot of `deps` (in parts, written one after the other), encoded while the caller still waits for other work. */
export function snapshotBody(deps: Dependencies): Buffer[] {
  return dependenciesToCompactParts(deps, { fileIndex: false });
}

/**
 * Keeps the table encoded as `body` ({@link snapshotBody}), uploaded as `zip` for `name`
 * `version` and written to the folder as `csv` (whose lines start at `lineStarts`, found
 * here when not given), in `dbRoot` for the next publish (see {@link DEPENDENCY_SNAPSHOT_FILE}).
 */
export async function saveDependencySnapshot(
  dbRoot: string,
  { name, version, zip, csv, lineStarts = csvLineStarts(csv) }: { name: string; version: string; zip: Uint8Array; csv: Uint8Array; lineStarts?: Uint32Array },
  body: Buffer[],
): Promise<void> {
  const lines = Buffer.from(new Uint32Array(lineStarts).buffer); // a copy, in this host's byte order (the cache stays on it)
  const bodyLength = body.reduce((n, part) => n + part.length, 0);
  const meta: SnapshotMeta = {
    name, version, zip: await checksumBytes(zip), csv: await checksumBytes(csv), body: await checksumBytes(body),
    bodyLength, lines: await checksumBytes(lines),
  };
  await writeAtomically(join(dbRoot, DEPENDENCY_SNAPSHOT_FILE), async (temp) => {
    const file = await open(temp, "w");
    try {
      const header = framedHeader(MAGIC, meta);
      const length = header.length + bodyLength + lines.length;
      const { bytesWritten } = await file.writev([header, ...body, lines]); // written as they are: no copy of the body
      if (bytesWritten !== length) throw new Error(`short write of '${temp}' (${bytesWritten} of ${length} bytes)`);
    } finally {
      await file.close();
    }
  });
}

/**
 * The dependency table of `name` `version` kept by the last publish from `dbRoot`, when
 * that version's stored `db.zip` and the folder's `db.csv` are byte for byte the ones it
 * was kept with (their xxh64 match), tied to that `db.csv` (`Dependencies.attachCsv`);
 * otherwise (also when missing or unreadable) undefined.
 */
export async function loadDependencySnapshot(
  dbRoot: string,
  { name, version, zip, csv }: { name: string; version: string; zip: Uint8Array; csv: Uint8Array },
): Promise<Dependencies | undefined> {
  let data: Buffer;
  try {
    data = readFileSync(join(dbRoot, DEPENDENCY_SNAPSHOT_FILE)); // blocking: the publish waits for it anyway
  } catch {
    return undefined;
  }
  let framed: ReturnType<typeof readFramedHeader>;
  try {
    framed = readFramedHeader(data, MAGIC);
  } catch {
    return undefined;
  }
  if (!framed) return undefined;
  const meta = framed.meta as Partial<SnapshotMeta> | null;
  if (meta?.name !== name || meta.version !== version) return undefined;
  const bodyLength = meta.bodyLength;
  if (!Number.isSafeInteger(bodyLength) || bodyLength! < 0 || framed.bodyStart + bodyLength! > data.length) return undefined;
  const body = data.subarray(framed.bodyStart, framed.bodyStart + bodyLength!);
  const lines = aligned(data.subarray(framed.bodyStart + bodyLength!));
  if (
    meta.zip !== (await checksumBytes(zip)) || meta.csv !== (await checksumBytes(csv)) || meta.body !== (await checksumBytes(body))
    || meta.lines !== (await checksumBytes(lines)) || lines.length % 4 !== 0
  ) {
    return undefined;
  }
  const lineStarts = new Uint32Array(lines.buffer, lines.byteOffset, lines.length / 4);
  let deps: Dependencies;
  try {
    deps = dependenciesFromCompact(body, DEPENDENCY_SNAPSHOT_FILE);
  } catch {
    return undefined;
  }
  if (lineStarts.length !== deps.length + 1 || lineStarts[deps.length] !== csv.length) return undefined;
  deps.attachCsv({ bytes: csv, lineStarts }); // the csv was written from this table
  return deps;
}
