import { resolve } from "node:path";
import { Command } from "commander";
import { setup } from "../context.js";
import { integer } from "../parse.js";

interface LoadToFlags {
  version?: string;
  onlyMetadata?: boolean;
  workers?: number;
}

/** `audb load-to DIR NAME`: the original files of a version into a folder, ready to edit and publish. */
export function loadToCommand(): Command {
  return new Command("load-to")
    .description("load the original files of a database version into DIR, ready to change and publish as the next version")
    .argument("<dir>", "target folder; files already there with the right checksum are kept")
    .argument("<name>", "database name")
    .option("--version <version>", "version to load (default: latest)")
    .option("--only-metadata", "header, tables and attachments only, no media")
    .option("--workers <n>", "parallel checksums and downloads (default: number of cores)", integer(1))
    .action(async (dir: string, name: string, flags: LoadToFlags, command: Command) => {
      const ctx = setup(command);
      const { latestVersion } = await import("../../src/api/discovery.js");
      const { loadTo } = await import("../../src/api/load-to.js");
      const root = resolve(dir);
      const version = flags.version ?? (await latestVersion(name));
      const deps = await ctx.out.withProgress((onProgress) =>
        loadTo(root, name, { version, onlyMetadata: flags.onlyMetadata, numWorkers: flags.workers, onProgress }),
      );
      const media = flags.onlyMetadata ? 0 : deps.media.length - deps.removedMedia.length;
      ctx.out.result({ root, name, version, tables: deps.tableIds, media }, root);
    });
}
