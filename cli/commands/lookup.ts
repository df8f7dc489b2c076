import { Command } from "commander";
import { pickFlavorOptions } from "../../src/core/flavor.js";
import { setup } from "../context.js";
import { withFlavorFlags, type FlavorFlags } from "../flavor-flags.js";

/** `audb exists NAME`: whether the flavour folder of a version is in the cache (as audb.exists); prints true or false. */
export function existsCommand(): Command {
  const command = new Command("exists")
    .description("print whether a version (in the requested flavour) is in the cache or the shared cache, complete or not")
    .argument("<name>", "database name")
    .option("--version <version>", "version (default: latest)");
  return withFlavorFlags(command).action(async (name: string, flags: FlavorFlags & { version?: string }, command: Command) => {
    const ctx = setup(command);
    const { exists } = await import("../../src/api/discovery.js");
    const found = await exists(name, { version: flags.version, ...pickFlavorOptions(flags) });
    ctx.out.result(found, String(found));
  });
}

/** `audb repository NAME VERSION`: the configured repository that holds a version. */
export function repositoryCommand(): Command {
  return new Command("repository")
    .description("print the repository (name, host, backend) that holds a version")
    .argument("<name>", "database name")
    .argument("<version>", "version")
    .action(async (name: string, version: string, _flags: object, command: Command) => {
      const ctx = setup(command);
      const { repository } = await import("../../src/api/discovery.js");
      const found = await repository(name, version);
      ctx.out.result({ name: found.name, host: found.host, backend: found.backendKind }, `${found.name}\t${found.host}\t${found.backendKind}`);
    });
}
