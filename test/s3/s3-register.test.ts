import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { backendFactory, backendKinds } from "../../backends/backend.js";
import { registerS3Backend } from "../../backends/s3-register.js";
import { S3Backend, parseS3Host } from "../../backends/s3.js";

const backendsDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../backends");

/** Modules reachable from `file` through static imports (relative ones followed). */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(file, "utf8");
  for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/gm)) {
    const spec = match[1]!;
    if (/^import\s+type\s/.test(match[0].trim())) continue;
    if (seen.has(spec)) continue;
    seen.add(spec);
    if (spec.startsWith(".")) staticImports(join(dirname(file), spec.replace(/\.js$/, ".ts")), seen);
  }
  return seen;
}

describe("S3 registration", () => {
  test("s3-register.ts does not load the AWS SDK statically", () => {
    const imports = [...staticImports(join(backendsDir, "s3-register.ts"))];
    expect(imports.filter((m) => m.startsWith("@aws-sdk") || m.endsWith("/s3.js"))).toEqual([]);
    // ... while s3.ts does (so the check above would see it if it leaked in).
    expect([...staticImports(join(backendsDir, "s3.ts"))]).toContain("@aws-sdk/client-s3");
  });

  test("an S3 client made through the library prints no NodeVersionSupportWarning on Node 20, unless the user asks for it", () => {
    const s3 = pathToFileURL(join(backendsDir, "s3.ts")).href;
    const code = `const { S3Backend } = await import(${JSON.stringify(s3)});
await new S3Backend("http://127.0.0.1:9", "my-repo", { anonymous: true }).client();`;
    const stderrWith = (warningDisabled: string | undefined) => {
      const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: warningDisabled };
      if (warningDisabled === undefined) delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env, encoding: "utf8" });
      expect(child.status, child.stderr).toBe(0);
      return child.stderr;
    };
    expect(stderrWith(undefined)).not.toContain("NodeVersionSupportWarning");
    // the SDK warns on Node < 22 only; there, a user's own setting is kept
    if (Number(process.versions.node.split(".")[0]) < 22) expect(stderrWith("false")).toContain("NodeVersionSupportWarning");
  });

  test("kinds s3 and minio create S3 backends named after the repository", async () => {
    registerS3Backend();
    expect(backendKinds()).toEqual(expect.arrayContaining(["s3", "minio"]));
    for (const kind of ["s3", "minio"]) {
      const backend = await backendFactory(kind)!("http://127.0.0.1:9000", "my-repo");
      expect(backend).toBeInstanceOf(S3Backend);
      expect(backend.kind).toBe(kind);
      expect((backend as S3Backend).bucket).toBe("my-repo");
      expect((backend as S3Backend).endpoint).toBe("http://127.0.0.1:9000");
    }
  });

  test("hosts: endpoint URLs, bare hosts and AWS regional hosts", () => {
    expect(parseS3Host("http://127.0.0.1:9000")).toEqual({ endpoint: "http://127.0.0.1:9000", region: undefined, aws: false });
    expect(parseS3Host("localhost:9000")).toEqual({ endpoint: "http://localhost:9000", region: undefined, aws: false });
    expect(parseS3Host("minio.example.org")).toEqual({ endpoint: "https://minio.example.org", region: undefined, aws: false });
    expect(parseS3Host("s3.eu-central-1.amazonaws.com")).toEqual({ endpoint: undefined, region: "eu-central-1", aws: true });
    expect(parseS3Host("s3-eu-west-1.amazonaws.com")).toEqual({ endpoint: undefined, region: "eu-west-1", aws: true });
    expect(parseS3Host("s3.amazonaws.com")).toEqual({ endpoint: undefined, region: "us-east-1", aws: true });
    expect(parseS3Host("https://s3.us-west-2.amazonaws.com")).toEqual({ endpoint: undefined, region: "us-west-2", aws: true });
  });
});
