// Resampler speed in x realtime (60 s mono, one core), next to `sox in.wav out.wav rate -h`
// on the same file in the same run. Run with `npm run bench resample`.
//
// "file to file" reads a 16-bit PCM WAV, resamples it and writes a 16-bit PCM WAV, as sox
// does (sox also dithers its 16-bit output; we round). "kernel" columns time the
// resampling of samples already in memory. Each figure is the best of RUNS runs; runs of
// ours and sox alternate so both see the same machine load.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resampler, resample, resampledLength } from "../src/audio/resample.js";
import { wavBuffer } from "./fixtures.js";
import { hasCommand } from "../test/helpers/commands.js";

const SECONDS = 60;
const RUNS = 5;
const PAIRS: [number, number][] = [
  [44100, 16000],
  [48000, 16000],
  [8000, 16000],
  [44100, 48000],
];
const BLOCK = 65536;

/** Float -> 16 bit: round (half up; Math.round is several times slower here), clip. Returns the next write position. */
function toPcm16(samples: Float32Array, pcm: Int16Array, at: number): number {
  for (let i = 0; i < samples.length; i++) {
    const v = Math.floor(samples[i]! * 32768 + 0.5);
    pcm[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return at + samples.length;
}

function writeWav16(path: string, rate: number, samples: Float32Array): void {
  const { buf, pcm } = wavBuffer(rate, samples.length);
  toPcm16(samples, pcm, 0);
  writeFileSync(path, buf);
}

function readWav16(path: string): { rate: number; samples: Float32Array } {
  const buf = readFileSync(path);
  if (buf.toString("ascii", 0, 4) !== "RIFF" || buf.readUInt16LE(34) !== 16 || buf.toString("ascii", 36, 40) !== "data") {
    throw new Error(`${path}: not a 44-byte-header 16-bit WAV`);
  }
  const n = buf.readUInt32LE(40) / 2;
  let pcm: Int16Array;
  if ((buf.byteOffset + 44) % 2 === 0) pcm = new Int16Array(buf.buffer, buf.byteOffset + 44, n);
  else {
    pcm = new Int16Array(n);
    new Uint8Array(pcm.buffer).set(buf.subarray(44, 44 + 2 * n));
  }
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) samples[i] = pcm[i]! * (1 / 32768);
  return { rate: buf.readUInt32LE(24), samples };
}

/** Ours, file to file: read, resample in blocks (as a stream would), write. */
function oursFileToFile(input: string, output: string, outRate: number): void {
  const { rate, samples } = readWav16(input);
  const r = new Resampler(rate, outRate, 1);
  const { buf, pcm } = wavBuffer(outRate, resampledLength(samples.length, rate, outRate));
  let o = 0;
  for (let at = 0; at < samples.length; at += BLOCK) o = toPcm16(r.process([samples.subarray(at, at + BLOCK)])[0]!, pcm, o);
  toPcm16(r.flush()[0]!, pcm, o);
  writeFileSync(output, buf);
}

function testSignal(rate: number): Float32Array {
  // A chord well inside every passband plus a little noise, about -6 dBFS.
  const x = new Float32Array(rate * SECONDS);
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const t = i / rate;
    x[i] =
      0.2 * Math.sin(2 * Math.PI * 440 * t) +
      0.15 * Math.sin(2 * Math.PI * 1234.5 * t) +
      0.1 * Math.sin(2 * Math.PI * 3300 * t) +
      0.01 * (s / 2 ** 31 - 1);
  }
  return x;
}

function ensureSox(): boolean {
  if (hasCommand("sox")) return true;
  console.log("sox not found: installing Debian's sox (apt-get install -y sox) ...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update"], { stdio: "ignore", env });
  spawnSync("apt-get", ["install", "-y", "sox"], { stdio: "ignore", env });
  if (!hasCommand("sox")) console.log("could not install sox (needs root and apt-get): its column stays empty");
  return hasCommand("sox");
}

interface Times {
  wall: number;
  cpu: number;
}

/** Wall-clock and CPU seconds (user + system, all of this process's threads) of fn. */
function time(fn: () => void): Times {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

/** sox's own wall-clock and CPU seconds, from bash's `time`. */
function timeSox(input: string, output: string, outRate: number): Times {
  const res = spawnSync(
    "bash",
    ["-c", 'TIMEFORMAT="%3R %3U %3S"; time sox "$@" 2>/dev/null', "bash", input, output, "rate", "-h", String(outRate)],
    { encoding: "utf8" },
  );
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr);
  if (res.status !== 0 || m === null) throw new Error(`sox failed: ${res.stderr}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) };
}

const best = (a: Times, b: Times): Times => ({ wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu) });
const NONE: Times = { wall: Infinity, cpu: Infinity };

export default async function bench(): Promise<void> {
  const sox = ensureSox();
  const dir = mkdtempSync(join(tmpdir(), "resample-bench-"));
  try {
    const inputs = new Map<number, string>();
    const signals = new Map<number, Float32Array>();
    for (const [a] of PAIRS) {
      if (inputs.has(a)) continue;
      const path = join(dir, `in-${a}.wav`);
      writeWav16(path, a, testSignal(a));
      inputs.set(a, path);
      signals.set(a, readWav16(path).samples);
    }
    const rows: string[] = [];
    const x = (seconds: number) => `${Math.round(SECONDS / seconds)}x`;
    for (const [a, b] of PAIRS) {
      const input = inputs.get(a)!;
      const sig = signals.get(a)!;
      // Warm up: tables, JIT, wasm instance.
      resample([sig.subarray(0, a)], a, b, { kernel: "wasm" });
      resample([sig.subarray(0, a)], a, b, { kernel: "js" });
      oursFileToFile(input, join(dir, "ours.wav"), b);
      let ours = NONE;
      let soxT = NONE;
      let wasm = NONE;
      let js = NONE;
      for (let run = 0; run < RUNS; run++) {
        ours = best(ours, time(() => oursFileToFile(input, join(dir, "ours.wav"), b)));
        if (sox) soxT = best(soxT, timeSox(input, join(dir, "sox.wav"), b));
        wasm = best(wasm, time(() => resample([sig], a, b, { kernel: "wasm" })));
        if (run < 2) js = best(js, time(() => resample([sig], a, b, { kernel: "js" })));
      }
      const pair = `${a / 1000}k -> ${b / 1000}k`;
      const soxCol = (t: number) => (sox ? x(t) : "n/a");
      const ratio = (o: number, s: number) => (sox ? (s / o).toFixed(2) : "n/a");
      rows.push(
        `| ${pair} | ${x(ours.wall)} | ${soxCol(soxT.wall)} | ${ratio(ours.wall, soxT.wall)} | ` +
          `${x(ours.cpu)} | ${soxCol(soxT.cpu)} | ${ratio(ours.cpu, soxT.cpu)} | ${x(wasm.wall)} | ${x(js.wall)} |`,
      );
    }
    console.log(`${SECONDS} s mono 16-bit WAV, one core, best of ${RUNS} runs (js kernel: best of 2)\n`);
    console.log("| pair | ours file to file | sox rate -h file to file | ours / sox | ours, CPU time | sox, CPU time | ours / sox, CPU | wasm kernel | js kernel |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const row of rows) console.log(row);
    console.log("\nx realtime = 60 s / time taken (wall clock unless marked CPU time). ours / sox > 1: ours is faster.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
