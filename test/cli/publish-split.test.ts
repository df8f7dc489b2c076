// `audb publish --repo NAME` with more repositories configured: the version it builds on
// ("latest" by default) is looked for in all of them, so a database is not split across them.
import { cp, mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { runCli } from "./run-cli.js";

test("publishing on top of the latest version, which another configured repository holds, is refused", { timeout: 60_000 }, async () => {
  const temp = await mkdtemp(join(tmpdir(), "audb-cli-split-"));
  const config = join(temp, "audb.yaml");
  await Promise.all(["a", "b"].map((r) => mkdir(join(temp, r))));
  await writeFile(config, `repositories:\n  - {name: a, host: ${join(temp, "a")}, backend: file-system}\n  - {name: b, host: ${join(temp, "b")}, backend: file-system}\n`);
  const env = { AUDB_CONFIG: config, AUDB_CACHE_ROOT: join(temp, "cache") };
  const audb = (...args: string[]) => runCli(args, env);
  const first = join(temp, "first");
  await materialize(MINI_FSDD, "v1.0.10", first);
  await writeFsddDatabase(first);
  const second = join(temp, "second");
  await cp(first, second, { recursive: true });

  expect((await audb("publish", first, "1.0.0", "--repo", "a", "--quiet")).code).toBe(0);
  expect((await audb("publish", second, "2.0.0", "--repo", "b", "--previous-version", "none", "--quiet")).code).toBe(0);
  const before = await readdir(join(temp, "a"), { recursive: true });
  for (const previous of [[], ["--previous-version", "2.0.0"]]) {
    const split = await audb("publish", first, "2.1.0", "--repo", "a", ...previous);
    expect(split.code, previous.join(" ")).toBe(1);
    expect(split.stderr).toContain("cannot publish 'fsdd' 2.1.0 to repository 'a' on top of 2.0.0, which is stored in repository 'b'");
  }
  expect(await readdir(join(temp, "a"), { recursive: true })).toEqual(before);
  expect((await audb("publish", second, "2.1.0", "--repo", "b", "--quiet")).code).toBe(0);
  expect((await audb("versions", "fsdd", "--repo", "b")).stdout).toBe("2.0.0\n2.1.0\n");
});
