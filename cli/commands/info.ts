import { Command } from "commander";
import { setup } from "../context.js";

/** `audb info NAME`: header summary, tables, schemes and media facts, without loading media. */
export function infoCommand(): Command {
  return new Command("info")
    .description("show header, tables, schemes, duration and audio properties of a database version (no media download)")
    .argument("<name>", "database name")
    .option("--version <version>", "version (default: latest)")
    .action(async (name: string, flags: { version?: string }, command: Command) => {
      const ctx = setup(command);
      const { databaseSummary, summaryText } = await import("./info-summary.js");
      const summary = await databaseSummary(name, flags.version);
      ctx.out.result(summary, () => summaryText(summary));
    });
}
