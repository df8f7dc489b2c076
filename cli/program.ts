import { Command, Option } from "commander";
import { backendKinds } from "../backends/index.js";
import { availableCommand } from "./commands/available.js";
import { cacheCommand } from "./commands/cache.js";
import { cardCommand } from "./commands/card.js";
import { dependenciesCommand } from "./commands/dependencies.js";
import { infoCommand } from "./commands/info.js";
import { loadCommand } from "./commands/load.js";
import { loadAttachmentCommand, loadMediaCommand, loadTableCommand } from "./commands/load-items.js";
import { loadToCommand } from "./commands/load-to.js";
import { existsCommand, repositoryCommand } from "./commands/lookup.js";
import { publishCommand } from "./commands/publish.js";
import { removeMediaCommand } from "./commands/remove-media.js";
import { streamCommand } from "./commands/stream.js";
import { versionsCommand } from "./commands/versions.js";
import { httpIndexCommand } from "./commands/http-index.js";
import { packageVersion } from "../src/core/package-version.js";

/**
 * Adds the options every command takes. They are defined on the program (before the
 * command name) and on each command (after it): with positional options, a command's
 * own `--version` does not collide with the program's.
 */
function addGlobalOptions(command: Command): Command {
  return command
    .option("--json", "print results as JSON (for scripts)")
    .option("-q, --quiet", "no progress and no notes on stderr")
    .option("--config <file>", "audb configuration file (default: $AUDB_CONFIG or ~/.config/audb.yaml)")
    .option("--repo <name>", "repository: a configured one, or a new one with --host and --backend")
    .option("--host <host>", "host of the --repo repository (a folder for file-system)")
    .addOption(new Option("--backend <kind>", "backend of the --repo repository").choices(backendKinds()))
    .option("--cache-root <dir>", "cache folder (default: $AUDB_CACHE_ROOT or the configuration's cache_root)");
}

/** Errors from commander as one line (its suggestions otherwise go on a second). */
const output = { outputError: (message: string, write: (s: string) => void) => write(message.trim().replace(/\s*\n\s*/g, " ") + "\n") };

/** Global options, error output and exit override for `command` and all below it. */
function prepare(command: Command): Command {
  addGlobalOptions(command).exitOverride().configureOutput(output);
  for (const sub of command.commands) prepare(sub);
  return command;
}

/** The `audb` command with its global options and subcommands. */
export function buildProgram(): Command {
  const program = new Command("audb")
    .description("Publish, version and load audio datasets in audb's repository layout")
    .version(packageVersion())
    .enablePositionalOptions();
  for (const command of [
    publishCommand(), loadCommand(), loadTableCommand(), loadMediaCommand(), loadAttachmentCommand(), loadToCommand(), streamCommand(),
    versionsCommand(), availableCommand(), existsCommand(), repositoryCommand(), infoCommand(), dependenciesCommand(), removeMediaCommand(),
    cacheCommand(), cardCommand(), httpIndexCommand(),
  ]) {
    program.addCommand(command);
  }
  return prepare(program);
}
