// `audb stream` and `audb dependencies` as a user runs them: separate processes on one
// published version.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { publish } from "../../src/api/publish.js";
import { flavorId, makeFlavor } from "../../src/core/flavor.js";
import { Repository } from "../../src/core/repository.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { MAIN, PROJECT, runCli } from "./run-cli.js";

let env: Record<string, string>;
let source: string;
let files: string[];
const audb = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  const temp = await mkdtemp(join(tmpdir(), "audb-cli-stream-"));
  await mkdir(join(temp, "repo"));
  const config = join(temp, "audb.yaml");
  await writeFile(config, `repositories:\n  - {name: data-local, host: ${join(temp, "repo")}, backend: file-system}\n`);
  env = { AUDB_CONFIG: config, AUDB_CACHE_ROOT: join(temp, "cache"), AUDB_SHARED_CACHE_ROOT: join(temp, "shared") };
  source = join(temp, "fsdd");
  await materialize(MINI_FSDD, "v1.0.10", source);
  files = await writeFsddDatabase(source);
  await publish(source, "1.0.0", new Repository("data-local", join(temp, "repo"), "file-system"));
});

describe("audb stream", () => {
  test("prints the rows of the first batches, their media loaded; JSON Lines with --json", { timeout: 60_000 }, async () => {
    const text = await audb("stream", "fsdd", "files", "--batch-size", "2", "--batches", "2", "--quiet");
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("file\tdigit\tspeaker\tsplit");
    expect(lines).toHaveLength(5);
    for (const [i, line] of lines.slice(1).entries()) {
      const [path, digit, speaker] = line.split("\t") as [string, string, string];
      expect(path.endsWith(files[i]!)).toBe(true);
      expect(readFileSync(path).equals(readFileSync(join(source, files[i]!)))).toBe(true);
      expect([digit, speaker]).toEqual(files[i]!.replace(/^recordings\/|\.wav$/g, "").split("_").slice(0, 2));
    }

    const json = await audb("stream", "fsdd", "files", "--batch-size", "3", "--shuffle", "--buffer-size", "4", "--seed", "1",
      "--only-metadata", "--relative-paths", "--sampling-rate", "8000", "--format", "flac", "--json");
    expect(json.code).toBe(0);
    const rows = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { file: string; digit: number });
    expect(rows.map((r) => r.file).sort()).toEqual(files.map((f) => f.replace(/\.wav$/, ".flac")));
    expect(rows.map((r) => r.file)).not.toEqual(files.map((f) => f.replace(/\.wav$/, ".flac")));
    const flavor = flavorId(makeFlavor({ samplingRate: 8000, format: "flac" }));
    expect(existsSync(join(env.AUDB_CACHE_ROOT!, "fsdd/1.0.0", flavor, "recordings"))).toBe(false); // --only-metadata
  });

  test("a reader that stops early (| head) ends the stream quietly, exit code 0", { timeout: 60_000 }, async () => {
    // a flavour to convert, batches of one row: the command is still writing when the pipe closes
    const args = ["stream", "fsdd", "files", "--batch-size", "1", "--sampling-rate", "16000", "--quiet"];
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: PROJECT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const first = await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(d.toString())));
    child.stdout!.destroy(); // as head does after its lines
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(first.startsWith("file\tdigit\tspeaker\tsplit\n")).toBe(true);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  test("an unknown table or a bad batch size: one line, exit code 1", { timeout: 60_000 }, async () => {
    const unknown = await audb("stream", "fsdd", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toMatch(/table 'nope' is not in 'fsdd' 1\.0\.0/);
    const bad = await audb("stream", "fsdd", "files", "--batch-size", "0");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--batch-size.*expected a whole number >= 1/);
  });
});

describe("audb dependencies", () => {
  test("prints the version's dependency table as audb writes db.csv; rows with --json", { timeout: 60_000 }, async () => {
    const text = await audb("dependencies", "fsdd");
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(readFileSync(join(source, "db.csv"), "utf8")); // what publish wrote next to the database
    const json = await audb("dependencies", "fsdd", "--version", "1.0.0", "--json");
    const rows = JSON.parse(json.stdout) as Array<{ file: string; type: number; samplingRate: number; version: string }>;
    expect(rows.filter((r) => r.type === 1).map((r) => r.file).sort()).toEqual(files);
    expect(rows.find((r) => r.file === files[0])).toMatchObject({ samplingRate: 8000, version: "1.0.0" });
    const missing = await audb("dependencies", "fsdd", "--version", "9.9.9");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/9\.9\.9/);
  });
});
