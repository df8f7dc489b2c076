import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { audioInfo } from "../../src/audio/info.js";
import { PythonFolderLock } from "../../src/core/python-lock.js";
import { FSDD_WITH_ATTACHMENTS, writeAttachments, writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, manifest, materialize } from "../helpers/fsdd-history.js";
import { MAIN, PROJECT, runCli } from "./run-cli.js";

const hasScript = await new Promise<boolean>((ok) => execFile("script", ["--version"], (error) => ok(!error)));

let temp: string;
let env: Record<string, string>;
const audb = (...args: string[]) => runCli(args, env);
const distinct = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);

/** Builds FSDD `tag` in a new folder, as a database ready to publish. */
async function fsddFolder(tag: string): Promise<{ root: string; files: string[] }> {
  const root = await mkdtemp(join(temp, `db-${tag}-`));
  await materialize(MINI_FSDD, tag, root);
  return { root, files: await writeFsddDatabase(root) };
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), "audb-cli-"));
  const config = join(temp, "audb.yaml");
  await mkdir(join(temp, "repo"));
  await writeFile(config, `repositories:\n  - {name: data-local, host: ${join(temp, "repo")}, backend: file-system}\n`);
  env = {
    AUDB_CONFIG: config,
    AUDB_CACHE_ROOT: join(temp, "cache"),
    AUDB_SHARED_CACHE_ROOT: join(temp, "shared"),
  };
});

describe("audb as a user runs it", () => {
  test("publish -> versions -> info -> card -> load with a flavour -> load-to -> remove-media -> cache list/clear", { timeout: 120_000 }, async () => {
    const v1 = await fsddFolder("v1.0");
    const v2 = await fsddFolder("v1.0.2");

    const first = await audb("publish", v1.root, "1.0.0", "--repo", "data-local");
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(`published fsdd 1.0.0 to data-local: ${v1.files.length} media files, 2 tables, 0 attachments`);
    expect(first.stderr).toMatch(new RegExp(`^audb: uploading ${v1.files.length + 2}/${v1.files.length + 2} files`, "m"));

    const second = await audb("publish", v2.root, "1.0.2", "--repo", "data-local", "--json", "--quiet");
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
    expect(JSON.parse(second.stdout)).toMatchObject({ name: "fsdd", version: "1.0.2", repository: "data-local", media: v2.files.length, tables: 2 });

    const [text, json] = await Promise.all([audb("versions", "fsdd"), audb("versions", "fsdd", "--json")]);
    expect(text.stdout).toBe("1.0.0\n1.0.2\n");
    expect(JSON.parse(json.stdout)).toEqual(["1.0.0", "1.0.2"]);

    const sources = await Promise.all(v2.files.map((f) => audioInfo(join(v2.root, f))));
    const duration = sources.reduce((sum, i) => sum + i.duration, 0);
    const [infoJson, infoText] = await Promise.all([audb("info", "fsdd", "--json"), audb("info", "fsdd", "--version", "1.0.0")]);
    const summary = JSON.parse(infoJson.stdout);
    expect(summary).toMatchObject({
      name: "fsdd", version: "1.0.2", license: "CC-BY-SA-4.0", languages: ["eng"],
      media: { files: v2.files.length, samplingRates: distinct(sources.map((i) => i.samplingRate)), channels: distinct(sources.map((i) => i.channels)), formats: ["wav"] },
    });
    expect(summary.media.duration).toBeCloseTo(duration, 6);
    expect(summary.tables).toEqual([
      { id: "files", type: "filewise", columns: [{ id: "digit", schemeId: "digit" }, { id: "speaker", schemeId: "speaker" }, { id: "split", schemeId: "split" }] },
      { id: "speaker", type: "misc", columns: [{ id: "accent", schemeId: "accent" }, { id: "gender", schemeId: "gender" }] },
    ]);
    expect(summary.schemes).toContainEqual(expect.objectContaining({ id: "gender", labels: "female, male", labelValues: ["female", "male"] }));
    expect(summary.schemes).toContainEqual(expect.objectContaining({ id: "speaker", labelValues: "speaker" }));
    expect(summary.meta).toEqual({});
    expect(infoText.stdout).toMatch(/^fsdd 1\.0\.0\n/);
    expect(infoText.stdout).toMatch(new RegExp(`^media files: +${v1.files.length}$`, "m"));
    expect(infoText.stdout).toMatch(/^ {2}digit +int +0\.\.9$/m);

    const card = await audb("card", "fsdd");
    expect(card.code).toBe(0);
    expect(card.stdout).toMatch(/^# fsdd\n\nFree Spoken Digit Dataset/);
    expect(card.stdout).toContain(`| Media files | ${v2.files.length} |`);
    expect(card.stdout).toContain("| files | filewise |  | digit, speaker, split |");
    expect(card.stdout).toContain("| split | str | test, train |  |  |  |");
    expect(card.stdout).toMatch(new RegExp(`\\| 1\\.0\\.0 \\| ${v1.files.length} \\|.*\\n\\| \\*\\*1\\.0\\.2\\*\\* \\| ${v2.files.length} \\|`));

    const load = await audb("load", "fsdd", "--version", "1.0.0", "--channels", "0", "--sampling-rate", "16000", "--format", "flac");
    expect(load.code).toBe(0);
    const folder = load.stdout.trim();
    expect(folder).toMatch(new RegExp(`^${join(env.AUDB_CACHE_ROOT!, "fsdd", "1.0.0")}/[0-9a-f]{8}$`));
    expect(load.stderr).toMatch(new RegExp(`^audb: downloading ${v1.files.length}/${v1.files.length} files`, "m"));
    const flacs = readdirSync(join(folder, "recordings")).sort();
    expect(flacs).toEqual([...manifest(MINI_FSDD, "v1.0").keys()].map((f) => f.replace(/\.wav$/, ".flac")).sort());
    const info = await audioInfo(join(folder, "recordings", flacs[0]!));
    expect(info).toMatchObject({ format: "flac", samplingRate: 16000, channels: 1 });

    const meta = await audb("load", "fsdd", "--only-metadata", "--json");
    const loaded = JSON.parse(meta.stdout);
    expect(loaded).toMatchObject({ name: "fsdd", version: "1.0.2", flavorId: "d3b62a9b", tables: ["files", "speaker"], media: 0 });
    expect(existsSync(join(loaded.folder, "db.files.csv"))).toBe(true);

    const target = join(temp, "load-to");
    const loadTo = JSON.parse((await audb("load-to", target, "fsdd", "--version", "1.0.0", "--json", "--quiet")).stdout);
    expect(loadTo).toEqual({ root: target, name: "fsdd", version: "1.0.0", tables: ["files", "speaker"], media: v1.files.length });
    for (const f of [...v1.files, "db.yaml", "db.csv", "db.files.csv"]) expect(existsSync(join(target, f)), f).toBe(true);

    const removed = await audb("remove-media", "fsdd", v1.files[0]!);
    expect([removed.code, removed.stdout]).toEqual([0, "removed 1 media file from fsdd\n"]);
    const after = JSON.parse((await audb("info", "fsdd", "--version", "1.0.0", "--json")).stdout);
    expect(after.media).toMatchObject({ files: v1.files.length - 1, removed: 1 });

    const cache = JSON.parse((await audb("cache", "list", "--json")).stdout) as { version: string; path: string; complete: boolean }[];
    expect(cache).toContainEqual(expect.objectContaining({
      version: "1.0.0", path: folder, complete: true, flavor: { bitDepth: null, channels: [0], format: "flac", mixdown: false, samplingRate: 16000 },
    }));
    expect(cache).toContainEqual(expect.objectContaining({ version: "1.0.2", path: loaded.folder, complete: false }));
    const listed = (await audb("cache", "list")).stdout.split("\n");
    expect(listed.find((l) => l.includes(folder))).toMatch(/1\.0\.0\s+[0-9a-f]{8}\s+16000 Hz, flac, channels 0\s+complete/);
    expect(listed.find((l) => l.includes(loaded.folder))).toMatch(/1\.0\.2\s+d3b62a9b\s+original\s+partial/);

    const clear = JSON.parse((await audb("cache", "clear", "--json")).stdout);
    expect(clear).toEqual({ cacheRoot: env.AUDB_CACHE_ROOT, removed: ["fsdd"] });
    expect(existsSync(join(env.AUDB_CACHE_ROOT!, "fsdd"))).toBe(false);
  });

  test("cache clear NAME removes only <cache root>/<name>: '..', '.' and paths are refused, the folder above stays", async () => {
    const home = await mkdtemp(join(temp, "home-"));
    await mkdir(join(home, "audb", "fsdd", "1.0.0", "d3b62a9b"), { recursive: true });
    await mkdir(join(home, "my-db"));
    await writeFile(join(home, "my-db", "db.yaml"), "name: my-db\n");
    await writeFile(join(home, "precious.txt"), "keep me");
    for (const name of ["..", ".", "../my-db", "fsdd/..", "/tmp", "fsdd//1.0.0", "fsdd/"]) {
      const cleared = await audb("cache", "clear", name, "--cache-root", join(home, "audb"));
      expect(cleared.code, name).not.toBe(0);
      expect(cleared.stderr).toContain(`'${name}' is not a database name`);
      expect(existsSync(join(home, "precious.txt"))).toBe(true);
      expect(existsSync(join(home, "audb", "fsdd", "1.0.0", "d3b62a9b"))).toBe(true);
    }
    // a name may have segments (audb-python's may), but a version folder is none
    const version = await audb("cache", "clear", "fsdd/1.0.0", "--cache-root", join(home, "audb"));
    expect([version.code, version.stdout]).toEqual([0, `nothing cached in ${join(home, "audb")} for 'fsdd/1.0.0'\n`]);
    expect(existsSync(join(home, "audb", "fsdd", "1.0.0", "d3b62a9b"))).toBe(true);
    await writeFile(join(home, "audb", "fsdd", "1.0.0", "d3b62a9b", "db.yaml"), "name: fsdd\n");
    // a project folder in the cache root, with a db.yaml a level down, is no cached database
    await mkdir(join(home, "audb", "my-project", "data"), { recursive: true });
    await writeFile(join(home, "audb", "my-project", "data", "db.yaml"), "name: mine\n");
    const cleared = await audb("cache", "clear", "--cache-root", join(home, "audb"), "--json");
    expect(JSON.parse(cleared.stdout)).toEqual({ cacheRoot: join(home, "audb"), removed: ["fsdd"] });
    expect(existsSync(join(home, "precious.txt"))).toBe(true);
    expect(existsSync(join(home, "audb", "my-project", "data", "db.yaml"))).toBe(true);
  });

  test("databases named with '/' (audb-python publishes them) are listed and cleared; the folders they leave empty go too", async () => {
    const root = await mkdtemp(join(temp, "nested-cache-"));
    const flavor = (...segments: string[]) => join(root, ...segments, "d3b62a9b");
    for (const name of ["lab/crema-d", "lab/ravdess", "lab/sub/esc-50", "fsdd"]) {
      await mkdir(flavor(name, "1.0.0"), { recursive: true });
      await writeFile(join(flavor(name, "1.0.0"), "db.yaml"), `name: ${name}\n`);
    }
    await writeFile(join(root, "lab", "ravdess", "1.0.0", "db.pkl"), ""); // audb-python's
    const listed = JSON.parse((await audb("cache", "list", "--cache-root", root, "--json")).stdout) as { name: string; version: string; path: string }[];
    expect(listed.map((e) => [e.name, e.version, e.path])).toEqual(
      ["fsdd", "lab/crema-d", "lab/ravdess", "lab/sub/esc-50"].map((name) => [name, "1.0.0", flavor(name, "1.0.0")]),
    );
    expect(JSON.parse((await audb("cache", "list", "lab/crema-d", "--cache-root", root, "--json")).stdout)).toHaveLength(1);

    const one = await audb("cache", "clear", "lab/crema-d", "--cache-root", root, "--json");
    expect(JSON.parse(one.stdout)).toEqual({ cacheRoot: root, removed: ["lab/crema-d"] });
    expect([existsSync(join(root, "lab", "crema-d")), existsSync(flavor("lab/ravdess", "1.0.0"))]).toEqual([false, true]);
    const rest = await audb("cache", "clear", "--cache-root", root, "--json");
    expect(JSON.parse(rest.stdout)).toEqual({ cacheRoot: root, removed: ["fsdd", "lab/ravdess", "lab/sub/esc-50"] });
    expect(readdirSync(root)).toEqual([]);
  });

  test("cache clear moves a database out of the listing before deleting it; what an interrupted clear left is deleted by the next", async () => {
    const root = await mkdtemp(join(temp, "clear-cache-"));
    for (const name of ["big", "small"]) {
      await mkdir(join(root, name, "1.0.0", "d3b62a9b", "audio"), { recursive: true });
      await writeFile(join(root, name, "1.0.0", "d3b62a9b", "db.yaml"), `name: ${name}\n`);
      await writeFile(join(root, name, "1.0.0", "d3b62a9b", "audio", "a.wav"), "");
    }
    // an interrupted clear: the folder renamed away, its media half deleted, nothing listed
    await mkdir(join(root, ".audb-removing-0123456789ab", "1.0.0", "d3b62a9b", "audio"), { recursive: true });
    await writeFile(join(root, ".audb-removing-0123456789ab", "1.0.0", "d3b62a9b", "audio", "b.wav"), "");
    const listed = JSON.parse((await audb("cache", "list", "--cache-root", root, "--json")).stdout) as { name: string }[];
    expect(listed.map((e) => e.name)).toEqual(["big", "small"]);
    const cleared = await audb("cache", "clear", "big", "--cache-root", root, "--json");
    expect(JSON.parse(cleared.stdout)).toEqual({ cacheRoot: root, removed: ["big"] });
    expect(readdirSync(root)).toEqual(["small"]);
  });

  test("what the API loads one item at a time the shell does too: load-table, load-media, load-attachment, exists, repository, versions --latest, stream --map", { timeout: 120_000 }, async () => {
    const config = join(temp, "items.yaml");
    await mkdir(join(temp, "items-repo"));
    await writeFile(config, `repositories:\n  - {name: items, host: ${join(temp, "items-repo")}, backend: file-system}\n`);
    const root = await mkdtemp(join(temp, "db-items-"));
    await materialize(MINI_FSDD, "v1.0.10", root);
    const files = await writeFsddDatabase(root, FSDD_WITH_ATTACHMENTS);
    await writeAttachments(root);
    const cacheRoot = join(temp, "items-cache");
    const run = (...args: string[]) => runCli(["--config", config, "--cache-root", cacheRoot, ...args], env);
    expect((await run("publish", root, "2.0.0", "--repo", "items", "-q")).code).toBe(0);

    expect((await run("versions", "fsdd", "--latest")).stdout).toBe("2.0.0\n");
    expect(JSON.parse((await run("repository", "fsdd", "2.0.0", "--json")).stdout)).toEqual({ name: "items", host: join(temp, "items-repo"), backend: "file-system" });
    expect((await run("exists", "fsdd")).stdout).toBe("false\n");

    const held = await PythonFolderLock.acquire(join(cacheRoot, "fsdd", "2.0.0")); // as audb-python's FolderLock
    const waited = await run("load-table", "fsdd", "files", "--timeout", "1");
    await held!.release();
    expect([waited.code, waited.stderr]).toEqual([1, expect.stringMatching(/^error: could not lock '.*\/fsdd\/\.2\.0\.0\.lock' within 1 s/)]);
    expect((await run("load-media", "fsdd", files[0]!, "--timeout", "1.5")).stderr).toMatch(/--timeout.*expected a whole number >= 0/);

    const table = await run("load-table", "fsdd", "files", "--map", "speaker=gender", "--json");
    const rows = table.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(files.length);
    expect(rows[0]).toMatchObject({ file: files[0], gender: "male" });
    expect((await run("exists", "fsdd")).stdout).toBe("false\n"); // a table alone fills no flavour folder

    const picked = [files[5]!, files[1]!];
    const media = await run("load-media", "fsdd", ...picked, "--format", "flac", "--json");
    const paths = JSON.parse(media.stdout) as string[];
    expect(paths.map((p) => p.slice(-22))).toEqual(picked.map((f) => f.replace(/\.wav$/, ".flac").slice(-22)));
    for (const p of paths) expect(existsSync(p), p).toBe(true);
    expect((await run("exists", "fsdd", "--format", "flac")).stdout).toBe("true\n");

    const attachment = await run("load-attachment", "fsdd", "extra");
    expect(attachment.stdout.trim().split("\n").map((p) => p.slice(p.indexOf("extra/")))).toEqual(["extra/a.txt", "extra/sub/b.txt"]);

    const streamed = await run("stream", "fsdd", "files", "--only-metadata", "--map", "speaker=gender,accent", "--batches", "1", "--json");
    expect(JSON.parse(streamed.stdout.split("\n")[0]!)).toMatchObject({ gender: "male", accent: expect.any(String) });
    expect((await run("load-table", "fsdd", "files", "--map", "speaker")).stderr).toMatch(/--map.*COLUMN=FIELD/);

    const info = JSON.parse((await run("info", "fsdd", "--json")).stdout);
    expect(info.attachments).toEqual([{ id: "readme", path: "docs/README.txt" }, { id: "extra", path: "extra" }]);
    expect((await run("info", "fsdd")).stdout).toMatch(/^attachments:\n {2}readme +docs\/README\.txt\n {2}extra +extra$/m);
  });

  test("bad flags, unknown datasets and user errors: one line, exit code 1", { timeout: 60_000 }, async () => {
    const v1 = await fsddFolder("v1.0");
    const cases: [args: string[], culprit: RegExp][] = [
      [["load", "no-such-db"], /'no-such-db' is not in any configured repository/],
      [["load", "fsdd", "--sampling-rate", "12345"], /--sampling-rate.*'12345'.*8000, 16000/],
      [["load", "fsdd", "--channels", "left"], /--channels.*'left'/],
      [["load", "fsdd", "--bogus"], /unknown option '--bogus'/],
      [["lod", "fsdd"], /unknown command 'lod'.*load/],
      [["publish", v1.root, "1.0.0"], /no repository given: use --repo/],
      [["publish", v1.root, "1.0.0", "--repo", "elsewhere"], /'elsewhere' is not configured/],
      [["publish", v1.root, "1.0.0", "--repo", "x", "--host", temp], /--host needs --backend/],
      [["publish", join(temp, "missing"), "1.0.0", "--repo", "data-local"], /'.*missing' has no db\.yaml/],
      [["publish", v1.root, "1.0", "--repo", "data-local"], /'1\.0'/],
      [["--config", join(temp, "none.yaml"), "available"], /--config: no such file/],
    ];
    const results = await Promise.all(cases.map(([args]) => audb(...args)));
    results.forEach((result, i) => {
      const [args, culprit] = cases[i]!;
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
      expect(result.stderr).toMatch(culprit);
      expect(result.stdout).toBe("");
    });
  });

  test("versions of a database no reachable repository holds: an empty list, as audb.versions, with a note naming the repositories", { timeout: 60_000 }, async () => {
    const json = await audb("versions", "no-such-db", "--json");
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, []]);
    expect(json.stderr).toMatch(/^audb: database 'no-such-db' is not in any configured repository \(data-local\)/);
    const text = await audb("versions", "no-such-db", "--quiet");
    expect([text.code, text.stdout, text.stderr]).toEqual([0, "", ""]);
  });

  test("available skips a repository it cannot list, saying so on stderr, and lists the others", { timeout: 60_000 }, async () => {
    const config = join(temp, "with-missing-host.yaml");
    const host = join(temp, "other-host");
    await mkdir(host);
    await writeFile(
      config,
      `repositories:\n  - {name: gone, host: ${join(temp, "no-such-host")}, backend: file-system}\n  - {name: other, host: ${host}, backend: file-system}\n`,
    );
    const v1 = await fsddFolder("v1.0");
    expect((await audb("--config", config, "publish", v1.root, "9.0.0", "--repo", "other", "-q")).code).toBe(0);
    const result = await audb("--config", config, "available", "--json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ name: "fsdd", version: "9.0.0", repository: { name: "other", host, backend: "file-system" } }]);
    expect(result.stderr).toBe(
      `audb: skipped repository 'gone': cannot list repository Repository('gone', '${join(temp, "no-such-host")}', 'file-system'): file-system host '${join(temp, "no-such-host")}' of repository 'gone' does not exist: create the folder first\n`,
    );
    for (const args of [["versions", "fsdd", "--json"], ["versions", "fsdd", "--latest", "--json"]]) {
      const listed = await audb("--config", config, ...args);
      expect([listed.code, JSON.parse(listed.stdout)]).toEqual([0, args.includes("--latest") ? "9.0.0" : ["9.0.0"]]);
      expect(listed.stderr).toMatch(/^audb: skipped repository 'gone': .*does not exist/);
    }
  });

  test.skipIf(!hasScript)("draws progress bars on a terminal", { timeout: 60_000 }, async () => {
    const envText = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(" ");
    const command = `env ${envText} '${process.execPath}' --import tsx '${MAIN}' load fsdd --version 1.0.0 --format flac --cache-root '${join(temp, "tty-cache")}'`;
    const output = await new Promise<string>((ok, fail) =>
      execFile("script", ["-qec", command, "/dev/null"], { cwd: PROJECT }, (error, stdout) => (error ? fail(error) : ok(stdout))),
    );
    expect(output).toMatch(/downloading\s+\|[█░]+\| \d+\/\d+ files/);
    expect(output).toContain(join(temp, "tty-cache", "fsdd", "1.0.0", "40bb2241"));
  });
  if (!hasScript) console.warn("script (util-linux) not found: terminal progress bar check skipped");
});
