import { Command } from "commander";
import type { StreamOptions } from "../../src/api/stream.js";
import { pickFlavorOptions } from "../../src/core/flavor.js";
import { setup } from "../context.js";
import { withFlavorFlags, type FlavorFlags } from "../flavor-flags.js";
import { integer, mapEntry, timeoutOption } from "../parse.js";

interface StreamFlags extends FlavorFlags {
  version?: string;
  batchSize: number;
  batches?: number;
  shuffle?: boolean;
  bufferSize: number;
  seed?: number;
  onlyMetadata?: boolean;
  removedMedia?: boolean;
  relativePaths?: boolean;
  workers?: number;
  timeout?: number;
  map?: Record<string, string | string[]>;
}

/**
 * `audb stream NAME TABLE`: the table's rows batch by batch, each batch's media loaded
 * (in the flavour) before its rows are printed, as JSON Lines with `--json`.
 */
export function streamCommand(): Command {
  const command = new Command("stream")
    .description("print a table's rows batch by batch, loading each batch's media (in the requested flavour) first")
    .argument("<name>", "database name")
    .argument("<table>", "table id")
    .option("--version <version>", "version to stream (default: latest)");
  return withFlavorFlags(command)
    .option("--batch-size <n>", "rows in one batch", integer(1), 16)
    .option("--batches <n>", "stop after this many batches (default: all)", integer(1))
    .option("--shuffle", "shuffle the rows, each window of --buffer-size rows")
    .option("--buffer-size <n>", "rows shuffled together", integer(1), 10_000)
    .option("--seed <n>", "seed of the shuffle (the same order every run)", integer(0))
    .option("--only-metadata", "rows only, no media")
    .option("--removed-media", "keep rows of media removed with remove-media")
    .option("--relative-paths", "file paths relative to the flavour folder")
    .option("--map <column=field>", "replace a column of labels by a field of them (repeat for more columns; FIELD,FIELD for several)", mapEntry)
    .option("--workers <n>", "parallel downloads and conversions (default: number of cores)", integer(1))
    .addOption(timeoutOption())
    .action(async (name: string, table: string, flags: StreamFlags, command: Command) => {
      const ctx = setup(command);
      const { stream } = await import("../../src/api/stream.js");
      const options: StreamOptions = {
        version: flags.version, ...pickFlavorOptions(flags), batchSize: flags.batchSize, shuffle: flags.shuffle,
        bufferSize: flags.bufferSize, seed: flags.seed, onlyMetadata: flags.onlyMetadata, removedMedia: flags.removedMedia,
        fullPath: !flags.relativePaths, numWorkers: flags.workers, timeout: flags.timeout, map: flags.map,
      };
      let batches = 0;
      for await (const batch of stream(name, table, options)) {
        ctx.out.rows(batch.toRecords(), [...batch.index.names, ...batch.columnIds], batches === 0);
        if (++batches === flags.batches || ctx.out.closed) break; // a reader that stops (head) ends the stream
      }
    });
}
