// The committed WebAssembly kernel must be what its source builds to.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { RESAMPLE_WASM_BASE64, RESAMPLE_WASM_TOOLCHAIN } from "../../src/audio/resample-wasm.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const wasmPath = join(root, "src/audio/wasm/resample.wasm");
const tsPath = join(root, "src/audio/resample-wasm.ts");
const buildScript = join(root, "src/audio/wasm/build.sh");

function has(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

const clang = process.env.CLANG ?? "clang";
const toolchain = has(clang) && has("wasm-ld") ? execFileSync(clang, ["--version"], { encoding: "utf8" }).split("\n")[0]! : null;

describe("resample.wasm", () => {
  test("the embedded base64 is the committed binary", () => {
    const committed = readFileSync(wasmPath);
    expect(Buffer.from(RESAMPLE_WASM_BASE64, "base64").equals(committed)).toBe(true);
    const wa = (globalThis as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(wa?.validate(committed)).toBe(true);
  });

  // Skipped only where clang + lld are absent (apt-get install -y clang lld), or are another
  // version than the one that built the committed binary (compilers differ in their output).
  test.skipIf(toolchain === null || toolchain !== RESAMPLE_WASM_TOOLCHAIN)(
    `the committed binary is the build of resample.c (${RESAMPLE_WASM_TOOLCHAIN})`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), "resample-wasm-"));
      try {
        execFileSync("bash", [buildScript, join(dir, "resample.wasm"), join(dir, "resample-wasm.ts")], { stdio: "pipe" });
        expect(readFileSync(join(dir, "resample.wasm")).equals(readFileSync(wasmPath))).toBe(true);
        expect(readFileSync(join(dir, "resample-wasm.ts"), "utf8")).toBe(readFileSync(tsPath, "utf8"));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
