import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import type { ChecksumAlgorithm } from "../../src/core/checksum.js";
import { setup } from "../context.js";
import { UsageError } from "../errors.js";
import { integer, oneOf } from "../parse.js";

interface PublishFlags {
  previousVersion?: string;
  workers?: number;
  checksum?: ChecksumAlgorithm;
  archives?: string;
  breakClaim?: boolean;
}

/** `audb publish DIR VERSION`: publishes a database folder to the repository given by `--repo`. */
export function publishCommand(): Command {
  return new Command("publish")
    .description("publish the database in DIR as VERSION to the repository given by --repo (changed files only)")
    .argument("<dir>", "database folder with db.yaml, tables and media")
    .argument("<version>", "version to publish, e.g. 1.0.0")
    .option("--previous-version <version>", "version to build on, 'none' to start afresh (default: latest)")
    .option("--workers <n>", "parallel hashing and uploads (default: number of cores)", integer(1))
    .option("--checksum <algorithm>", "checksum of new files: xxh64 or md5 (md5 if audb-python publishes too)", oneOf(["xxh64", "md5"] as const))
    .option("--archives <file.json>", "JSON object mapping media files to archive names")
    .option("--break-claim", "take over the claim another publish of VERSION left (one that died elsewhere)")
    .action(async (dir: string, version: string, flags: PublishFlags, command: Command) => {
      const ctx = setup(command, { keepOthers: true });
      const root = resolve(dir);
      if (!existsSync(join(root, "db.yaml"))) throw new UsageError(`DIR: '${dir}' has no db.yaml`);
      const repository = ctx.repository();
      const { publish } = await import("../../src/api/publish.js");
      const { readHeaderView } = await import("../../src/api/database-view.js");
      const deps = await ctx.out.withProgress((onProgress) =>
        publish(root, version, repository, {
          previousVersion: flags.previousVersion === "none" ? null : flags.previousVersion,
          ...(flags.archives !== undefined ? { archives: readArchives(flags.archives) } : {}),
          ...(flags.workers !== undefined ? { numWorkers: flags.workers } : {}),
          ...(flags.checksum !== undefined ? { checksum: flags.checksum } : {}),
          breakClaim: flags.breakClaim ?? false,
          onProgress,
        }),
      );
      const { name } = await readHeaderView(root);
      const result = {
        name, version, repository: repository.name,
        files: deps.length, media: deps.media.length - deps.removedMedia.length, tables: deps.tableIds.length,
        attachments: deps.attachmentIds.length, archives: deps.archives.length,
      };
      ctx.out.result(result, `published ${name} ${version} to ${repository.name}: ${result.media} media files, ${result.tables} tables, ${result.attachments} attachments`);
    });
}

function readArchives(file: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--archives: cannot read '${file}': ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new UsageError(`--archives: '${file}' must hold a JSON object mapping media files to archive names`);
  }
  return value as Record<string, string>;
}
