import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackendUnavailableError, type Backend } from "../../backends/backend.js";
import { createArchive, extractArchive } from "../core/archive.js";
import { CACHED_DEPENDENCY_FILE, versionFolder } from "../core/cache.js";
import { DependencyType, MissingDependencyError, type Dependencies } from "../core/dependencies.js";
import { MissingVersionError } from "../core/errors.js";
import { listVersions, mediaKey } from "../core/layout.js";
import { fetchDependencies, uploadDependencyTable } from "../core/remote-dependencies.js";
import { settings } from "./settings.js";

/** Downloads a media archive and uploads it again (same key) without `files`; may leave an empty zip. */
async function rewriteArchive(backend: Backend, key: string, files: Set<string>, workDir: string): Promise<string[]> {
  const dir = await mkdtemp(join(workDir, "archive-"));
  await backend.getFile(key, join(dir, "in.zip"));
  const entries = await extractArchive(join(dir, "in.zip"), join(dir, "x"));
  const gone = entries.filter((f) => files.has(f));
  if (gone.length > 0) {
    await createArchive(join(dir, "out.zip"), join(dir, "x"), entries.filter((f) => !files.has(f)));
    await backend.putFile(key, join(dir, "out.zip"));
  }
  await rm(dir, { recursive: true, force: true });
  return gone;
}

/** What {@link removeMedia} could not change: repositories it could not reach, with why. */
export interface RemoveMediaResult {
  unreachable: Array<{ repository: string; reason: string }>;
}

/** Options of {@link removeMedia}. */
export interface RemoveMediaOptions {
  /** Write a line per step to stderr (default false). */
  verbose?: boolean;
}

/**
 * Removes media files from every version of `name` in every configured repository, as
 * audb's `remove_media`: the rows stay in each dependency table, marked removed, and the
 * files are deleted from the archives that version uploaded. Tables still list the files;
 * loads skip them unless `removedMedia: true`. Every version's dependency table goes up
 * before any archive changes, so an interrupted run leaves every version loadable; running
 * again finishes the job. A file that no version holds is a {@link MissingDependencyError}.
 * Repositories that cannot be reached are skipped, as audb skips them, and returned: run
 * again once they can be, if they may hold the database. `verbose: true` writes a line per
 * step to stderr (default false).
 */
export async function removeMedia(name: string, files: string | string[], options: RemoveMediaOptions = {}): Promise<RemoveMediaResult> {
  const wanted = [...new Set(typeof files === "string" ? [files] : files)];
  const config = settings();
  const tables: { backend: Backend; repository: string; version: string; deps: Dependencies; here: string[] }[] = [];
  const readOnly: string[] = [];
  const unreachable: RemoveMediaResult["unreachable"] = [];
  for (const repository of config.repositories) {
    let backend: Backend;
    let versions: string[];
    try {
      backend = await repository.open();
      if (backend.readOnly) {
        readOnly.push(repository.name); // a mirror (HTTP) of a repository that is changed itself
        continue;
      }
      versions = await listVersions(backend, name);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      unreachable.push({ repository: repository.name, reason: error.message });
      continue;
    }
    for (const version of versions) {
      const deps = await fetchDependencies(backend, name, version);
      const here = wanted.filter((f) => deps.has(f) && deps.type(f) === DependencyType.media);
      tables.push({ backend, repository: repository.name, version, deps, here });
    }
  }
  if (tables.length === 0) {
    const skipped = (readOnly.length > 0 ? `; read-only, not changed: ${readOnly.join(", ")}` : "") +
      unreachable.map((u) => `; could not reach ${u.repository}: ${u.reason}`).join("");
    throw new MissingVersionError(
      `database '${name}' is not in any configured repository that can be changed (${config.repositories.map((r) => r.name).join(", ") || "none configured"})${skipped}`,
    );
  }
  const found = new Set(tables.flatMap((t) => t.here));
  const missing = wanted.filter((f) => !found.has(f));
  if (missing.length > 0) {
    throw new MissingDependencyError(`${missing.map((f) => `'${f}'`).join(", ")}: not a media file of any version of '${name}'`);
  }

  const log = (line: string) => options.verbose && process.stderr.write(`${line}\n`);
  // Every version's table first, then the archives: an archive that loses a file may serve
  // later versions too, whose tables must not list it as present by then.
  for (const { backend, repository, version, deps, here } of tables) {
    const newlyRemoved = here.filter((f) => !deps.removed(f));
    if (newlyRemoved.length === 0) continue;
    newlyRemoved.forEach((f) => deps.markRemoved(f));
    await uploadDependencyTable(backend, name, version, deps);
    for (const root of [config.cacheRoot, config.sharedCacheRoot]) {
      await rm(join(versionFolder(root, name, version), CACHED_DEPENDENCY_FILE), { force: true }).catch(() => undefined);
    }
    log(`${name} ${version}: marked ${newlyRemoved.length} file(s) removed in repository '${repository}'`);
  }
  const workDir = await mkdtemp(join(tmpdir(), "audb-remove-media-"));
  try {
    for (const { backend, version, deps, here } of tables) {
      // files marked by an earlier, interrupted run too: their archives may still hold them
      const byArchive = new Map<string, Set<string>>();
      for (const f of here.filter((f) => deps.version(f) === version)) {
        const key = mediaKey(name, version, deps.archive(f));
        byArchive.set(key, (byArchive.get(key) ?? new Set<string>()).add(f));
      }
      for (const [key, inArchive] of byArchive) {
        if (!(await backend.exists(key))) continue;
        const gone = await rewriteArchive(backend, key, inArchive, workDir);
        if (gone.length > 0) log(`${name} ${version}: deleted ${gone.join(", ")} from ${key}`);
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return { unreachable };
}
