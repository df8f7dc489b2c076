import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConfigError, DEFAULT_CONFIG, expandHome, loadConfig } from "../../src/core/config.js";

let home: string;
beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "audb-config-home-"));
});
afterEach(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

async function writeUserConfig(text: string, rel = ".config/audb.yaml"): Promise<string> {
  const file = path.join(home, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

describe("loadConfig", () => {
  test("defaults match audb/core/etc/audb.yaml, with ~ expanded", () => {
    const config = loadConfig({ env: {}, home });
    expect(config.cacheRoot).toBe(path.join(home, "audb"));
    expect(config.sharedCacheRoot).toBe("/data/audb");
    expect(config.repositories.map(String)).toEqual([
      "Repository('audb-public', 's3.dualstack.eu-north-1.amazonaws.com', 's3')",
    ]);
    expect(config.file).toBeNull();
    expect(DEFAULT_CONFIG.cache_root).toBe("~/audb");
  });

  test("~/.config/audb.yaml overrides key by key", async () => {
    const file = await writeUserConfig(
      ["cache_root: ~/my-cache", "repositories:", "  - name: data-local", "    host: ~/repos", "    backend: file-system", ""].join("\n"),
    );
    const config = loadConfig({ env: {}, home });
    expect(config.file).toBe(file);
    expect(config.cacheRoot).toBe(path.join(home, "my-cache"));
    expect(config.sharedCacheRoot).toBe("/data/audb");
    expect(config.repositories).toHaveLength(1);
    expect(config.repositories[0]!.name).toBe("data-local");
    expect(config.repositories[0]!.host).toBe(path.join(home, "repos"));
    expect(config.repositories[0]!.backendKind).toBe("file-system");
  });

  test("the deprecated ~/.audb.yaml is read when ~/.config/audb.yaml is absent", async () => {
    await writeUserConfig("shared_cache_root: /srv/audb\n", ".audb.yaml");
    expect(loadConfig({ env: {}, home }).sharedCacheRoot).toBe("/srv/audb");
    await writeUserConfig("shared_cache_root: /srv/new\n");
    expect(loadConfig({ env: {}, home }).sharedCacheRoot).toBe("/srv/new");
  });

  test("AUDB_CONFIG and the file option choose the file; option wins", async () => {
    await writeUserConfig("cache_root: /from/home\n");
    const envFile = path.join(home, "env.yaml");
    await fs.writeFile(envFile, "cache_root: /from/env-file\n");
    const optFile = path.join(home, "opt.yaml");
    await fs.writeFile(optFile, "cache_root: /from/option\n");
    expect(loadConfig({ env: { AUDB_CONFIG: envFile }, home }).cacheRoot).toBe("/from/env-file");
    expect(loadConfig({ env: { AUDB_CONFIG: envFile }, home, file: optFile }).cacheRoot).toBe("/from/option");
  });

  test("AUDB_CACHE_ROOT and AUDB_SHARED_CACHE_ROOT override the file", async () => {
    await writeUserConfig("cache_root: /from/file\nshared_cache_root: /shared/file\n");
    const config = loadConfig({ env: { AUDB_CACHE_ROOT: "~/env-cache", AUDB_SHARED_CACHE_ROOT: "/env/shared" }, home });
    expect(config.cacheRoot).toBe(path.join(home, "env-cache"));
    expect(config.sharedCacheRoot).toBe("/env/shared");
    expect(loadConfig({ env: { AUDB_CACHE_ROOT: "" }, home }).cacheRoot).toBe("/from/file");
  });

  test("an empty file gives the defaults", async () => {
    await writeUserConfig("");
    expect(loadConfig({ env: {}, home }).cacheRoot).toBe(path.join(home, "audb"));
  });

  test("invalid repositories raise ConfigError naming the file and field", async () => {
    const file = await writeUserConfig("repositories: []\n");
    expect(() => loadConfig({ env: {}, home })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, home })).toThrow(file);
    await writeUserConfig("repositories:\n  - name: x\n    backend: s3\n");
    expect(() => loadConfig({ env: {}, home })).toThrow(/missing a 'host'/);
    await writeUserConfig("repositories:\n  - host: h\n    backend: s3\n");
    expect(() => loadConfig({ env: {}, home })).toThrow(/missing a 'name'/);
    await writeUserConfig("cache_root: [unclosed\n");
    expect(() => loadConfig({ env: {}, home })).toThrow(ConfigError);
  });
});

test("expandHome expands only a leading ~", () => {
  expect(expandHome("~", "/h")).toBe("/h");
  expect(expandHome("~/a/b", "/h")).toBe("/h/a/b");
  expect(expandHome("/a/~/b", "/h")).toBe("/a/~/b");
  expect(expandHome("~user/x", "/h")).toBe("~user/x");
});
