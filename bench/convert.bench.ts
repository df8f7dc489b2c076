// Conversion speed (x realtime) for audb's common flavours, next to sox `rate -h`,
// and peak RSS of converting a 1-hour stereo 48 kHz WAV (in a child process).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { convertFile } from "../src/audio/convert.js";
import { ConversionPool, convertFiles } from "../src/audio/convert-files.js";
import { audioInfo } from "../src/audio/info.js";
import { WavWriter } from "../src/audio/wav.js";
import { hasCommand } from "../test/helpers/commands.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = 60;

/** Two tones per channel; with whole-Hz frequencies one second repeats seamlessly, so it is computed once. */
async function writeTestWav(file: string, rate: number, seconds: number, channels = 2): Promise<void> {
  const w = await WavWriter.create(file, { samplingRate: rate, channels, bitDepth: 16 });
  const period = Math.min(rate, Math.round(rate * seconds));
  const second = Array.from({ length: channels }, (_, c) =>
    Float32Array.from({ length: period }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (440 + 100 * c) * i) / rate) + 0.2 * Math.sin((2 * Math.PI * 7000 * i) / rate)),
  );
  for (let done = 0; done < Math.round(rate * seconds); done += period) await w.write(second);
  await w.close();
}

async function timedOnce(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Best of three wall times in seconds (the machine may be shared; the best run is the least disturbed). */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Peak RSS (MB) and wall time (s) of a fresh Node process converting `src` to `dest`. */
async function peakRss(src: string, dest: string, options: object): Promise<{ mb: number; seconds: number }> {
  const script = join(dirname(src), "rss-child.mts");
  const convertUrl = pathToFileURL(join(here, "../src/audio/convert.ts")).href;
  writeFileSync(
    script,
    `import { convertFile } from ${JSON.stringify(convertUrl)};\n` +
      `const t = performance.now();\n` +
      `await convertFile(${JSON.stringify(src)}, ${JSON.stringify(dest)}, ${JSON.stringify(options)});\n` +
      `console.log(process.resourceUsage().maxRSS, (performance.now() - t) / 1000);\n`,
  );
  const { stdout } = await run(process.execPath, ["--import", "tsx", script], { cwd: join(here, "..") });
  const [kb, seconds] = stdout.trim().split(" ").map(Number);
  return { mb: kb! / 1024, seconds: seconds! };
}

/** audioInfo throughput on real files: the full FSDD when present, else the mini fixture. */
async function infoThroughput(): Promise<void> {
  const full = "/work/shared/datasets/fsdd";
  const root = existsSync(full) ? full : join(here, "../test/fixtures/fsdd-mini");
  const files = readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".wav"))
    .map((f) => join(root, f));
  const batch = 64;
  const seconds = await timed(async () => {
    for (let i = 0; i < files.length; i += batch) await Promise.all(files.slice(i, i + batch).map(audioInfo));
  });
  console.log(`\naudioInfo: ${files.length} real WAV files (${root}) in ${(seconds * 1000).toFixed(0)} ms = ${fmt(files.length / seconds)} files/s (64 at a time; best of 3, warm page cache)`);
}

export default async function bench(): Promise<void> {
  await infoThroughput();
  const dir = mkdtempSync(join(tmpdir(), "audb-convert-bench-"));
  const cores = availableParallelism();
  const canResample = existsSync(join(here, "../src/audio/resample.ts"));
  const sox = hasCommand("sox");
  try {
    console.log(`\n${SECONDS} s stereo 16-bit WAV per file, ${cores} core(s); x realtime = audio seconds / wall seconds, best of 3 runs.\n`);
    console.log("| conversion | audb-ts 1 core | audb-ts all cores | sox rate -h 1 core | sox all cores |");
    console.log("|---|---|---|---|---|");
    const cases: { label: string; rate: number; options: { samplingRate?: number; format?: "flac" | "wav"; mixdown?: boolean }; soxArgs: string[]; ext: string }[] = [
      { label: "48 kHz WAV -> FLAC (no resampling)", rate: 48_000, options: { format: "flac" }, soxArgs: [], ext: "flac" },
    ];
    if (canResample) {
      cases.push(
        { label: "44.1 kHz -> 16 kHz WAV", rate: 44_100, options: { samplingRate: 16_000 }, soxArgs: ["rate", "-h", "16000"], ext: "wav" },
        { label: "48 kHz -> 16 kHz WAV", rate: 48_000, options: { samplingRate: 16_000 }, soxArgs: ["rate", "-h", "16000"], ext: "wav" },
        { label: "48 kHz -> 16 kHz mono FLAC", rate: 48_000, options: { samplingRate: 16_000, mixdown: true, format: "flac" }, soxArgs: ["remix", "-", "rate", "-h", "16000"], ext: "flac" },
      );
    }
    const tiny = join(dir, "tiny.wav");
    await writeTestWav(tiny, 48_000, 0.1);
    let startup = 0;
    for (const c of cases) {
      const sources = await Promise.all(
        Array.from({ length: 2 * cores }, async (_, k) => {
          const file = join(dir, `src-${c.rate}-${k}.wav`);
          if (!existsSync(file)) await writeTestWav(file, c.rate, SECONDS);
          return file;
        }),
      );
      const one = await timed(() => convertFile(sources[0]!, join(dir, `one.${c.ext}`), c.options));
      const jobs = sources.map((src, k) => ({ src, dest: join(dir, `all-${k}.${c.ext}`), options: c.options }));
      const pool = new ConversionPool(cores);
      const warm = await timedOnce(() => Promise.all(jobs.slice(0, cores).map((j) => pool.convert({ ...j, src: tiny, dest: join(dir, `warm-${j.dest.slice(-6)}`) }))));
      const all = await timed(() => convertFiles(jobs, { pool }));
      await pool.close();
      startup = Math.max(startup, warm);
      let soxOne = "n/a";
      let soxAll = "n/a";
      if (sox) {
        const soxRun = (src: string, k: number) => run("sox", [src, join(dir, `sox-${k}.${c.ext}`), ...c.soxArgs]);
        soxOne = `${fmt(SECONDS / (await timed(() => soxRun(sources[0]!, 0))))}x`;
        soxAll = `${fmt((SECONDS * sources.length) / (await timed(() => Promise.all(sources.map(soxRun)))))}x`;
      }
      console.log(`| ${c.label} | ${fmt(SECONDS / one)}x | ${fmt((SECONDS * sources.length) / all)}x | ${soxOne} | ${soxAll} |`);
    }
    console.log(`\nAll-cores figures exclude starting the worker pool (measured: up to ${startup.toFixed(1)} s, mostly tsx compiling the sources; less from dist/).`);
    if (!canResample) console.log("\n(src/audio/resample.ts is not in the tree yet: resampling rows skipped.)");

    const hour = join(dir, "hour48k.wav");
    await writeTestWav(hour, 48_000, 3600);
    const options = canResample ? { samplingRate: 16_000, format: "flac" } : { format: "flac" };
    const rss = await peakRss(hour, join(dir, "hour.flac"), options);
    console.log(
      `\nPeak RSS converting a 1-hour stereo 48 kHz 16-bit WAV (${JSON.stringify(options)}): ${rss.mb.toFixed(0)} MB (goal < 300 MB), ` +
        `${rss.seconds.toFixed(1)} s = ${fmt(3600 / rss.seconds)}x realtime`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
