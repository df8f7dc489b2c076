import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { settings } from "../../src/api/settings.js";
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
        columns(entries.map((e) => [e.name, e.version, e.flavorId, e.complete ? "complete" : "partial", e.path])),
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
    .description("delete everything in the cache folder, or only the versions of NAME")
    .argument("[name]", "database name")
    .action(async (name: string | undefined, _flags: object, command: Command) => {
      const ctx = setup(command);
      const root = settings().cacheRoot;
      const names = name === undefined ? await readdir(root).catch(() => [] as string[]) : existsSync(join(root, name)) ? [name] : [];
      for (const entry of names) await rm(join(root, entry), { recursive: true, force: true });
      ctx.out.result({ cacheRoot: root, removed: names }, names.length === 0 ? `nothing cached in ${root}${name ? ` for '${name}'` : ""}` : `removed ${names.join(", ")} from ${root}`);
    });
  return cache;
}
