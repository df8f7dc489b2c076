import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");

/** What the build needs, copied to a new folder (node_modules linked): a checkout with no dist/. */
function checkoutWithoutDist(): string {
  const dir = mkdtempSync(join(tmpdir(), "audb-pack-"));
  for (const entry of ["package.json", "tsconfig.json", "tsconfig.build.json", "README.md", "LICENSE", "src", "backends", "cli"]) {
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** The compiled paths of the worker scripts the code starts, `workerScript("<name>", import.meta.url)`. */
function workerScripts(): string[] {
  const scripts: string[] = [];
  for (const file of readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    for (const [, name] of readFileSync(join(root, "src", file), "utf8").matchAll(/workerScript\("([^"]+)", import\.meta\.url\)/g)) {
      scripts.push(relative(root, join(root, "dist/src", dirname(file), `${name}.js`)).replaceAll("\\", "/"));
    }
  }
  return scripts;
}

/** A checkout with no dist/ but a file left from an old build, packed: its folder and the tarball's files. */
const packed = (async () => {
  const dir = checkoutWithoutDist();
  mkdirSync(join(dir, "dist/src"), { recursive: true });
  writeFileSync(join(dir, "dist/src/renamed-long-ago.js"), "");
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: dir });
  const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  return { dir, files };
})();

test("npm pack from a checkout builds a clean dist/ and ships what runs, and no tests or stale files", async () => {
  const { files } = await packed;
  const workers = workerScripts();
  expect(workers.length).toBeGreaterThanOrEqual(3);
  for (const needed of ["dist/src/index.js", "dist/src/index.d.ts", "dist/cli/main.js", "dist/backends/s3.js", "dist/backends/http.js", ...workers]) {
    expect(files, needed).toContain(needed);
  }
  expect(files).not.toContain("dist/src/renamed-long-ago.js");
  expect(files.filter((f) => /^(dist\/)?(test|bench|examples|\.cache)\//.test(f))).toEqual([]);
});

test("the package ships no source maps: they would point to .ts sources it does not hold", async () => {
  const { files } = await packed;
  expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
});

test("CommonJS code can require() the package and its backends, where Node can require ES modules (>= 20.19)", async () => {
  const { dir } = await packed;
  const required = `const resolved = ["audb-ts", "audb-ts/backends/s3", "audb-ts/backends/http"].map((name) => require.resolve(name));
console.log(JSON.stringify(process.features.require_module ? [...resolved, typeof require("audb-ts").load, typeof require("audb-ts/backends/s3").S3Backend] : resolved));`;
  const { stdout } = await run(process.execPath, ["--input-type=commonjs", "--no-warnings", "-e", required], { cwd: dir });
  const expected = ["dist/src/index.js", "dist/backends/s3.js", "dist/backends/http.js"].map((f) => join(dir, f));
  expect(JSON.parse(stdout)).toEqual(process.features.require_module ? [...expected, "function", "function"] : expected);
});

/** The npm packages the compiled modules under `dist` import or require (node: modules aside). */
function importedPackages(dist: string): Set<string> {
  const packages = new Set<string>();
  for (const file of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".js")) continue;
    for (const [, specifier] of readFileSync(join(dist, file), "utf8").matchAll(/(?:\bfrom|\bimport|\bimport\(|\brequire\()\s*"([^"]+)"/g)) {
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      packages.add(specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"));
    }
  }
  return packages;
}

test("the runtime dependencies are the packages the shipped code imports, no more and no fewer", async () => {
  const { dir } = await packed;
  const { dependencies } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  expect([...importedPackages(join(dir, "dist"))].sort()).toEqual(Object.keys(dependencies).sort());
});

test("package.json needs no npm pkg fix, which npm publish applies with a warning (it did: the bin path's leading ./)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "audb-pkg-"));
  const manifest = readFileSync(join(root, "package.json"), "utf8");
  writeFileSync(join(dir, "package.json"), manifest);
  await run("npm", ["pkg", "fix"], { cwd: dir });
  expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).toEqual(JSON.parse(manifest));
});
