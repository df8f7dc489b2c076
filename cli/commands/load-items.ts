import { Command } from "commander";
import { pickFlavorOptions } from "../../src/core/flavor.js";
import { setup } from "../context.js";
import { withFlavorFlags, type FlavorFlags } from "../flavor-flags.js";
import { integer, mapEntry, timeoutOption } from "../parse.js";

/** `audb load-table NAME TABLE`: one table (and the misc tables its labels come from), no media; prints its rows. */
export function loadTableCommand(): Command {
  return new Command("load-table")
    .description("load one table (no media) and print its rows (JSON Lines with --json)")
    .argument("<name>", "database name")
    .argument("<table>", "table id")
    .option("--version <version>", "version (default: latest)")
    .option("--map <column=field>", "replace a column of labels by a field of them (repeat for more columns; FIELD,FIELD for several)", mapEntry)
    .addOption(timeoutOption())
    .action(async (name: string, table: string, flags: { version?: string; map?: Record<string, string | string[]>; timeout?: number }, command: Command) => {
      const ctx = setup(command);
      const { loadTable } = await import("../../src/api/load-files.js");
      const frame = await loadTable(name, table, { version: flags.version, map: flags.map, timeout: flags.timeout });
      ctx.out.rows(frame.toRecords(), [...frame.index.names, ...frame.columnIds], true);
    });
}

/** `audb load-media NAME FILES...`: those media (in a flavour) into the cache; prints their paths in order. */
export function loadMediaCommand(): Command {
  const command = new Command("load-media")
    .description("load media files (converted to the requested flavour) into the cache and print their paths, in the order given")
    .argument("<name>", "database name")
    .argument("<files...>", "media files as the tables name them")
    .option("--version <version>", "version (default: latest)");
  return withFlavorFlags(command)
    .option("--workers <n>", "parallel downloads and conversions (default: number of cores)", integer(1))
    .addOption(timeoutOption())
    .action(async (name: string, files: string[], flags: FlavorFlags & { version?: string; workers?: number; timeout?: number }, command: Command) => {
      const ctx = setup(command);
      const { loadMedia } = await import("../../src/api/load-files.js");
      const paths = await loadMedia(name, files, { version: flags.version, ...pickFlavorOptions(flags), numWorkers: flags.workers, timeout: flags.timeout });
      ctx.out.result(paths, paths.join("\n"));
    });
}

/** `audb load-attachment NAME ID`: one attachment, no media; prints the paths of its files. */
export function loadAttachmentCommand(): Command {
  return new Command("load-attachment")
    .description("load one attachment (no media) into the cache and print the paths of its files")
    .argument("<name>", "database name")
    .argument("<id>", "attachment id")
    .option("--version <version>", "version (default: latest)")
    .addOption(timeoutOption())
    .action(async (name: string, id: string, flags: { version?: string; timeout?: number }, command: Command) => {
      const ctx = setup(command);
      const { loadAttachment } = await import("../../src/api/load-files.js");
      const paths = await loadAttachment(name, id, { version: flags.version, timeout: flags.timeout });
      ctx.out.result(paths, paths.join("\n"));
    });
}
