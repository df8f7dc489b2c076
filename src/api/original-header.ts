import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Backend } from "../../backends/backend.js";
import { tempPathFor } from "../../backends/filesystem.js";
import { headerKey } from "../core/layout.js";
import { Database } from "../format/database.js";
import { FormatError } from "../format/errors.js";
import { readHeaderText } from "../format/utf8.js";

/** A header as the version folder holds it: its text and what it says. */
export interface OriginalHeader {
  text: string;
  db: Database;
}

/**
 * The original header of `name` `version` at `path` (`<cacheRoot>/<name>/<version>/db.yaml`):
 * the cached one when it parses, else downloaded from the backend `open` gives. A cached
 * one that does not parse (a download cut short before this check existed, an edit) is
 * fetched again rather than trusted; a download goes into place only once it parses, so
 * a body cut short by the server is not kept. A download that does not parse is the
 * model's error (e.g. YamlError) naming the repository key.
 */
export async function originalHeader(path: string, name: string, version: string, open: () => Promise<Backend>): Promise<OriginalHeader> {
  if (existsSync(path)) {
    const cached = await parsed(path, path).catch((e: unknown) => {
      if (e instanceof FormatError) return undefined;
      throw e;
    });
    if (cached) return cached;
  }
  return downloadHeader(await open(), name, version, path);
}

/** Downloads the header of `name` `version` to `path` (temp + rename) once it parses. */
export async function downloadHeader(backend: Backend, name: string, version: string, path: string): Promise<OriginalHeader> {
  const key = headerKey(name, version);
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    await backend.getFile(key, temp);
    const header = await parsed(temp, key).catch((e: unknown) => {
      if (e instanceof FormatError) e.message += " (as downloaded from the repository; not cached: the next load fetches it again)";
      throw e;
    });
    await rename(temp, path);
    return header;
  } finally {
    await rm(temp, { force: true });
  }
}

async function parsed(path: string, label: string): Promise<OriginalHeader> {
  const text = await readHeaderText(path, label);
  return { text, db: Database.fromYaml(text, label) };
}
