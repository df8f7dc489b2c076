import { Command } from "commander";
import type { LoadOptions } from "../../src/api/load-cache.js";
import { BIT_DEPTHS, FORMATS, SAMPLING_RATES, flavorId } from "../../src/core/flavor.js";
import { setup } from "../context.js";
import { channelList, integer, numberIn, oneOf } from "../parse.js";

interface LoadFlags {
  version?: string;
  samplingRate?: number;
  bitDepth?: 16 | 24 | 32;
  channels?: number[];
  mixdown?: boolean;
  format?: "wav" | "flac";
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
  return new Command("load")
    .description("load a database into the cache (converting media to the requested flavour) and print its folder")
    .argument("<name>", "database name")
    .option("--version <version>", "version to load (default: latest)")
    .option("--sampling-rate <hz>", `resample media to this rate (${SAMPLING_RATES.join(", ")})`, numberIn(SAMPLING_RATES))
    .option("--bit-depth <bits>", `convert media to this bit depth (${BIT_DEPTHS.join(", ")})`, numberIn(BIT_DEPTHS))
    .option("--channels <list>", "select channels, comma-separated, negative from the end (e.g. 0 or 0,1)", channelList)
    .option("--mixdown", "mix selected channels down to mono")
    .option("--format <format>", `convert media to ${FORMATS.join(" or ")}`, oneOf(FORMATS))
    .option("--tables <regex>", "load only tables whose id matches")
    .option("--media <regex>", "load only media whose path matches")
    .option("--attachments <regex>", "load only attachments whose id matches")
    .option("--removed-media", "keep media removed with remove-media")
    .option("--only-metadata", "load header and tables, no media")
    .option("--workers <n>", "parallel downloads and conversions (default: number of cores)", integer(1))
    .option("--timeout <seconds>", "give up waiting for another process's lock after this long", integer(0))
    .option("--no-verify", "skip checking downloaded files against their checksums")
    .action(async (name: string, flags: LoadFlags, command: Command) => {
      const ctx = setup(command);
      const { loadToCache } = await import("../../src/api/load-cache.js");
      const { version, samplingRate, bitDepth, channels, mixdown, format, tables, media, attachments, removedMedia, onlyMetadata, timeout, verify } = flags;
      const options: LoadOptions = {
        version, samplingRate, bitDepth, channels, mixdown, format, tables, media, attachments, removedMedia, onlyMetadata, timeout, verify,
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
