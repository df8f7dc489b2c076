import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { readdir, rename, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import type { Flavor } from "../../src/core/flavor.js";
import { settings } from "../../src/api/settings.js";
import { OptionError } from "../../src/core/errors.js";
import { isKeySegment } from "../../src/format/paths.js";
import { setup } from "../context.js";
import { columns } from "../output.js";

/** `audb cache list|path|clear`: what the cache holds, where it is, and emptying it. */
export function cacheCommand(): Command {
  const cache = new Command("cache").description("inspect or clear the cache");
  cache
    .command("list")
    .description("list the cached versions and flavours (of one database if NAME is given)")
    .argument("[name]", "database name")
    .action(async (name: string | undefined, _flags: object, command: Command) => {
      const ctx = setup(command);
      const { cached } = await import("../../src/api/discovery.js");
      const entries = await cached(name === undefined ? {} : { name });
      ctx.out.result(entries, () =>
        columns(entries.map((e) => [e.name, e.version, e.flavorId, e.flavor ? flavorText(e.flavor) : "?", e.complete ? "complete" : "partial", e.path])),
      );
    });
  cache
    .command("path")
    .description("print the cache folder (and the shared cache folder with --json)")
    .action((_flags: object, command: Command) => {
      const ctx = setup(command);
      const { cacheRoot, sharedCacheRoot } = settings();
      ctx.out.result({ cacheRoot, sharedCacheRoot }, cacheRoot);
    });
  cache
    .command("clear")
    .description("delete the cached databases (only NAME if given) from the cache folder")
    .argument("[name]", "database name")
    .action(async (name: string | undefined, _flags: object, command: Command) => {
      const ctx = setup(command);
      const root = settings().cacheRoot;
      if (name !== undefined && !isDatabaseName(name)) {
        throw new OptionError(`'${name}' is not a database name (segments of letters, digits, '.', '_' and '-', joined by '/'; not '.' or '..'): cache clear removes only <cache root>/<name>`);
      }
      const { cachedDatabases } = await import("../../src/core/cache.js");
      const names = (await cachedDatabases(root)).map((db) => db.name).filter((n) => name === undefined || n === name).sort();
      await removeLeftovers(root);
      for (const entry of names) await removeWithEmptyParents(root, entry);
      ctx.out.result({ cacheRoot: root, removed: names }, names.length === 0 ? `nothing cached in ${root}${name ? ` for '${name}'` : ""}` : `removed ${names.join(", ")} from ${root}`);
    });
  return cache;
}

/** A name as audb-python's may be: key segments joined by `/`. */
function isDatabaseName(name: string): boolean {
  return name.split("/").every(isKeySegment);
}

/** Prefix of a database folder being removed: renamed out of the listing first, so an interrupted clear leaves no half database behind. */
const REMOVING = ".audb-removing-";

/**
 * Removes `<root>/<name>`, then the folders of a nested name (`a` of `a/b`) that it leaves
 * empty. The folder is renamed out of the way first (at once, whatever its size), then
 * deleted a folder at a time: `rm` with promises keeps every file of the tree in memory.
 */
async function removeWithEmptyParents(root: string, name: string): Promise<void> {
  const doomed = join(root, `${REMOVING}${randomBytes(6).toString("hex")}`);
  await rename(join(root, name), doomed);
  rmSync(doomed, { recursive: true, force: true });
  const segments = name.split("/");
  for (let n = segments.length - 1; n > 0; n--) {
    const parent = join(root, ...segments.slice(0, n));
    if ((await readdir(parent).catch(() => ["?"])).length > 0) return;
    await rmdir(parent).catch(() => undefined);
  }
}

/** Deletes what interrupted clears left in `root`. */
async function removeLeftovers(root: string): Promise<void> {
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    if (entry.startsWith(REMOVING)) rmSync(join(root, entry), { recursive: true, force: true });
  }
}

/** A flavour in a few words: `original`, or e.g. `16000 Hz, flac, 16 bit, channels 0 1, mixdown`. */
function flavorText(f: Flavor): string {
  const parts = [
    f.samplingRate !== null ? `${f.samplingRate} Hz` : "",
    f.format ?? "",
    f.bitDepth !== null ? `${f.bitDepth} bit` : "",
    f.channels !== null ? `channels ${f.channels.join(" ")}` : "",
    f.mixdown ? "mixdown" : "",
  ].filter((p) => p !== "");
  return parts.length === 0 ? "original" : parts.join(", ");
}
