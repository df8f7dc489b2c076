import { copyFile, rename, rm } from "node:fs/promises";
import { tempPathFor } from "../../backends/filesystem.js";
import { UnsupportedAudioError } from "./errors.js";
import { FlacWriter } from "./flac.js";
import { openAudioReader, type AudioReader } from "./reader.js";
import { channelMap, remix, remixedChannels } from "./remix.js";
import { createResampler, type BlockResampler } from "./resampler-loader.js";
import { WavWriter } from "./wav.js";

/** Target of a conversion; every field left out keeps the source's value. */
export interface ConvertOptions {
  samplingRate?: number;
  /** 8, 16, 24 or 32 (WAV only). Default: the source's (float32 WAV: 32, as audb). */
  bitDepth?: number;
  /** Channels to keep; negative counts from the end; beyond the last repeats the signal (audb's flavour). */
  channels?: number | number[];
  mixdown?: boolean;
  format?: "wav" | "flac";
}

const BLOCK_FRAMES = 65_536;

interface AudioWriter {
  write(block: Float32Array[]): Promise<void>;
  writeInt(block: Int32Array[]): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Converts `src` (WAV, FLAC, MP3 or Ogg) to `dest` as audb converts media to a
 * flavour: decode -> select/repeat/mix channels -> resample -> encode PCM.
 * Streamed in blocks, so memory does not grow with the file's length. A file
 * that needs no change is copied. `dest` appears only when complete (written
 * under a temporary name, then renamed). Corrupt or truncated input gives
 * `CorruptAudioError`, targets the formats cannot hold
 * {@link UnsupportedAudioError}, both naming the file; file-system errors
 * (no space, no permission) pass through unchanged.
 */
export async function convertFile(src: string, dest: string, options: ConvertOptions = {}): Promise<void> {
  const reader = await openAudioReader(src);
  let writer: AudioWriter | undefined;
  try {
    const plan = planConversion(reader, options);
    if (plan.unchanged) {
      await reader.close();
      await copyAtomically(src, dest);
      return;
    }
    writer = await openWriter(dest, plan);
    if (plan.exactIntegers) await pumpIntegers(reader, writer, options);
    else await pumpFloats(reader, writer, plan, options);
    await writer.close();
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    throw err;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

interface Plan {
  format: "wav" | "flac";
  samplingRate: number;
  channels: number;
  bitDepth: number;
  unchanged: boolean;
  /** Integers can go straight from reader to writer (no resampling, mixing or bit depth change). */
  exactIntegers: boolean;
}

function planConversion(reader: AudioReader, o: ConvertOptions): Plan {
  const format = o.format ?? reader.format;
  if (format !== "wav" && format !== "flac") {
    // audb-python refuses this too: it converts to WAV or FLAC only
    throw new UnsupportedAudioError(reader.file, `${format.toUpperCase()} audio is converted to WAV or FLAC only: give the flavour a format (wav or flac)`);
  }
  const samplingRate = o.samplingRate ?? reader.samplingRate;
  const bitDepth = o.bitDepth ?? reader.bitDepth;
  if (!Number.isInteger(samplingRate) || samplingRate <= 0) {
    throw new UnsupportedAudioError(reader.file, `invalid target sampling rate ${samplingRate}`);
  }
  const channels = remixedChannels(reader.channels, o);
  const selection = o.channels === undefined ? undefined : channelMap(reader.channels, [o.channels].flat());
  const identityChannels =
    (selection === undefined || (selection.length === reader.channels && selection.every((c, i) => c === i))) && !(o.mixdown && reader.channels > 1);
  const sameSamples = identityChannels && samplingRate === reader.samplingRate && bitDepth === reader.bitDepth;
  const mixes = !!o.mixdown && channels === 1 && (selection?.length ?? reader.channels) > 1;
  return {
    format,
    samplingRate,
    channels,
    bitDepth,
    // audb rewrites every file it converts with audiofile, which writes floats as PCM
    unchanged: sameSamples && format === reader.format && reader.isInteger,
    exactIntegers: reader.isInteger && !mixes && samplingRate === reader.samplingRate && bitDepth === reader.bitDepth,
  };
}

async function openWriter(dest: string, plan: Plan): Promise<AudioWriter> {
  const opts = { samplingRate: plan.samplingRate, channels: plan.channels, bitDepth: plan.bitDepth };
  return plan.format === "flac" ? FlacWriter.create(dest, opts) : WavWriter.create(dest, opts);
}

async function pumpIntegers(reader: AudioReader, writer: AudioWriter, o: ConvertOptions): Promise<void> {
  const selection = o.channels === undefined ? undefined : channelMap(reader.channels, [o.channels].flat());
  for (let block = await reader.readInt(BLOCK_FRAMES); block; block = await reader.readInt(BLOCK_FRAMES)) {
    const b = block;
    await writer.writeInt(selection ? selection.map((c) => b[c]!) : b);
  }
}

async function pumpFloats(reader: AudioReader, writer: AudioWriter, plan: Plan, o: ConvertOptions): Promise<void> {
  let resampler: BlockResampler | undefined;
  if (plan.samplingRate !== reader.samplingRate) {
    resampler = await createResampler(reader.samplingRate, plan.samplingRate, plan.channels);
  }
  for (let block = await reader.read(BLOCK_FRAMES); block; block = await reader.read(BLOCK_FRAMES)) {
    let out = remix(block, o);
    if (resampler) out = resampler.process(out);
    if (out[0]!.length > 0) await writer.write(out);
  }
  if (resampler) {
    const tail = resampler.flush();
    if (tail[0]!.length > 0) await writer.write(tail);
  }
}

async function copyAtomically(src: string, dest: string): Promise<void> {
  const temp = tempPathFor(dest);
  try {
    await copyFile(src, temp);
    await rename(temp, dest);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
