import type { Backend } from "../../backends/backend.js";
import { DependencyType, tableIdOf, type Dependencies } from "../core/dependencies.js";
import { attachmentKey, mediaKey, tableParquetKey, tableZipKey } from "../core/layout.js";

/**
 * Removes what a publish of `version` that died left under the version's media, table and
 * attachment folders and the finished publish (`deps`) does not use: archives of files the
 * two publishes did not share. Only the new version's folders are touched; no other
 * version refers to them.
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
