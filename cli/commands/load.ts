import { Command } from "commander";
import type { LoadOptions } from "../../src/api/load-cache.js";
import { flavorId, pickFlavorOptions } from "../../src/core/flavor.js";
import { setup } from "../context.js";
import { withFlavorFlags, type FlavorFlags } from "../flavor-flags.js";
import { integer, timeoutOption } from "../parse.js";

interface LoadFlags extends FlavorFlags {
  version?: string;
  tables?: string;
  media?: string;
  attachments?: string;
  removedMedia?: boolean;
  onlyMetadata?: boolean;
  workers?: number;
  timeout?: number;
  verify?: boolean;
}

/** `audb load NAME`: loads a version (in a flavour) into the cache and prints its folder. */
export function loadCommand(): Command {
  const command = new Command("load")
    .description("load a database into the cache (converting media to the requested flavour) and print its folder")
    .argument("<name>", "database name")
    .option("--version <version>", "version to load (default: latest)");
  return withFlavorFlags(command)
    .option("--tables <regex>", "load only tables whose id matches")
    .option("--media <regex>", "load only media whose path matches")
    .option("--attachments <regex>", "load only attachments whose id matches")
    .option("--removed-media", "keep media removed with remove-media")
    .option("--only-metadata", "load header and tables, no media")
    .option("--workers <n>", "parallel downloads and conversions (default: number of cores)", integer(1))
    .addOption(timeoutOption())
    .option("--no-verify", "skip checking downloaded files against their checksums")
    .action(async (name: string, flags: LoadFlags, command: Command) => {
      const ctx = setup(command);
      const { loadToCache } = await import("../../src/api/load-cache.js");
      const { version, tables, media, attachments, removedMedia, onlyMetadata, timeout, verify } = flags;
      const options: LoadOptions = {
        version, ...pickFlavorOptions(flags), tables, media, attachments, removedMedia, onlyMetadata, timeout, verify,
        numWorkers: flags.workers,
      };
      const loaded = await ctx.out.withProgress((onProgress) => loadToCache(name, { ...options, onProgress }));
      ctx.out.result(
        {
          name: loaded.name, version: loaded.version, flavorId: flavorId(loaded.flavor), flavor: loaded.flavor,
          folder: loaded.folder, tables: loaded.tables, media: loaded.media.length,
        },
        loaded.folder,
      );
    });
}
