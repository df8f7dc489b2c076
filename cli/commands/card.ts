import { Command } from "commander";
import { setup } from "../context.js";

/** `audb card NAME`: a Markdown data card from header and dependency tables. */
export function cardCommand(): Command {
  return new Command("card")
    .description("print a Markdown data card (description, license, media facts, tables, schemes, splits, versions)")
    .argument("<name>", "database name")
    .option("--version <version>", "version (default: latest)")
    .action(async (name: string, flags: { version?: string }, command: Command) => {
      const ctx = setup(command);
      const { dataCardInput, renderDataCard } = await import("../../src/api/card.js");
      const input = await dataCardInput(name, flags);
      const markdown = renderDataCard(input);
      ctx.out.result({ name, version: input.version, markdown }, markdown);
    });
}
