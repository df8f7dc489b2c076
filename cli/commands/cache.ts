import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import type { Flavor } from "../../src/core/flavor.js";
import { settings } from "../../src/api/settings.js";
import { CACHED_DEPENDENCY_FILE } from "../../src/core/cache.js";
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
      if (name !== undefined && !isKeySegment(name)) {
        throw new OptionError(`'${name}' is not a database name (letters, digits, '.', '_' and '-'; not '.' or '..'): cache clear removes only <cache root>/<name>`);
      }
      const candidates = name === undefined ? await readdir(root).catch(() => [] as string[]) : [name];
      const names: string[] = [];
      for (const entry of candidates) if (await isDatabaseFolder(join(root, entry))) names.push(entry);
      for (const entry of names) await rm(join(root, entry), { recursive: true, force: true });
      ctx.out.result({ cacheRoot: root, removed: names }, names.length === 0 ? `nothing cached in ${root}${name ? ` for '${name}'` : ""}` : `removed ${names.join(", ")} from ${root}`);
    });
  return cache;
}

/**
 * True for `<cacheRoot>/<name>` folders audb put there: a version folder inside (a name
 * with a digit) holds a cached dependency table (ours or audb-python's `db.pkl`) or a
 * flavour folder with a header. Anything else in a misconfigured cache root (a project
 * folder with a `db.yaml` a level down) is left alone.
 */
async function isDatabaseFolder(folder: string): Promise<boolean> {
  for (const version of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
    if (!version.isDirectory() || !/\d/.test(version.name)) continue;
    const path = join(folder, version.name);
    const inside = await readdir(path).catch(() => [] as string[]);
    if (inside.some((f) => f === CACHED_DEPENDENCY_FILE || f === "db.pkl")) return true;
    for (const f of inside) if (/^[0-9a-f]{8}$/.test(f) && existsSync(join(path, f, "db.yaml"))) return true;
  }
  return false;
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
