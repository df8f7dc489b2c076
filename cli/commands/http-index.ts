import { Command } from "commander";
import { setup } from "../context.js";

/** `audb http-index --repo NAME`: writes the index files a read-only HTTP mirror of the repository needs. */
export function httpIndexCommand(): Command {
  return new Command("http-index")
    .description("write index.json and N/versions.json into the repository given by --repo, so it can be served as static files over HTTP")
    .action(async (_flags: object, command: Command) => {
      const ctx = setup(command);
      const repository = ctx.repository();
      const { writeHttpIndex } = await import("../../src/api/http-index.js");
      await writeHttpIndex(repository);
      ctx.out.result({ repository: repository.name }, `wrote the HTTP index files of ${repository.name}`);
    });
}
