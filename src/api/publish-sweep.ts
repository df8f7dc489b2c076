import type { Backend } from "../../backends/backend.js";
import { removeTempFilesOf } from "../../backends/filesystem.js";
import { DEPENDENCY_SNAPSHOT_FILE } from "../core/dependency-snapshot.js";
import { STAT_INDEX_FILE } from "../core/stat-index.js";
import { LOCAL_CLAIM_FILE } from "./publish-claim.js";
import { DependencyType, tableIdOf, type Dependencies } from "../core/dependencies.js";
import { attachmentKey, mediaKey, tableParquetKey, tableZipKey } from "../core/layout.js";

/**
 * Removes what a publish of `version` that died left under the version's media, table and
 * attachment folders and the finished publish (`deps`) does not use: archives of files the
 * two publishes did not share, and uploads it left unfinished (S3 multipart uploads, see
 * `Backend.abortUploads`). Only the new version's folders are touched; no other version
 * refers to them.
 */
export async function sweepAbandoned(backend: Backend, name: string, version: string, deps: Dependencies): Promise<number> {
  const used = new Set<string>();
  for (const row of deps.rows()) {
    if (row.version !== version) continue;
    if (row.type === DependencyType.media) used.add(mediaKey(name, version, row.archive));
    else if (row.type === DependencyType.attachment) used.add(attachmentKey(name, version, row.archive));
    else if (row.format === "parquet") used.add(tableParquetKey(name, version, tableIdOf(row.file)));
    else used.add(tableZipKey(name, version, row.archive));
  }
  let removed = 0;
  for (const folder of [`${name}/media/${version}`, `${name}/meta/${version}`, `${name}/attachment/${version}`]) {
    // this publish's own uploads have all finished: what is still open is the dead one's
    removed += (await backend.abortUploads?.(folder)) ?? 0;
    const { files } = await backend.list(folder);
    for (const file of files) {
      const key = `${folder}/${file}`;
      if (used.has(key)) continue;
      await backend.remove(key);
      removed++;
    }
  }
  return removed;
}

/** Files a publish keeps in the database folder, written through temp files next to them. */
const FOLDER_FILES = ["db.csv", STAT_INDEX_FILE, DEPENDENCY_SNAPSHOT_FILE, LOCAL_CLAIM_FILE];

/** Removes the temp files a publish from `dbRoot` that died left there (of `db.csv`, the stat index, the snapshot, the claim's record). */
export async function sweepFolderTemps(dbRoot: string): Promise<void> {
  await removeTempFilesOf(dbRoot, FOLDER_FILES);
}
