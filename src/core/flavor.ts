import { createHash } from "node:crypto";
import { AudbError } from "../errors.js";
import type { Dependencies } from "./dependencies.js";

/** Bit depths a flavour may convert to. */
export const BIT_DEPTHS = [16, 24, 32] as const;
/** Sampling rates a flavour may convert to (audb's list). */
export const SAMPLING_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const;
/** Formats a flavour may convert to. */
export const FORMATS = ["wav", "flac"] as const;

/** A flavour option outside what audb supports. */
export class FlavorError extends AudbError {}

/** What a flavour asks for; omitted fields keep the media as published. */
export interface FlavorOptions {
  /** Requantise to 16, 24 or 32 bit (FlavorError otherwise). */
  bitDepth?: 16 | 24 | 32 | null;
  /** Channel selection; negative numbers count from the end; repeat to upmix. */
  channels?: number | number[] | null;
  /** Re-encode as WAV or FLAC; table paths get the new extension. */
  format?: "wav" | "flac" | null;
  /** Mix the selected channels down to mono (ignored with fewer than two selected, as audb). */
  mixdown?: boolean;
  /** Resample to 8000, 16000, 22050, 24000, 44100 or 48000 Hz (FlavorError otherwise). */
  samplingRate?: number | null;
}

/** The flavour options of `options` alone (of, e.g., load or stream options). */
export function pickFlavorOptions({ bitDepth, channels, format, mixdown, samplingRate }: FlavorOptions): FlavorOptions {
  return { bitDepth, channels, format, mixdown, samplingRate };
}

/** A validated flavour, as audb's `Flavor`. */
export interface Flavor {
  bitDepth: number | null;
  channels: number[] | null;
  format: "wav" | "flac" | null;
  mixdown: boolean;
  samplingRate: number | null;
}

/** Validates options into a flavour (audb's `Flavor.__init__` rules). */
export function makeFlavor(options: FlavorOptions = {}): Flavor {
  const { bitDepth = null, format = null, samplingRate = null } = options;
  let mixdown = options.mixdown ?? false;
  if (bitDepth !== null && !(BIT_DEPTHS as readonly number[]).includes(bitDepth)) {
    throw new FlavorError(`bitDepth has to be one of ${BIT_DEPTHS.join(", ")}, not ${shown(bitDepth)}`);
  }
  let channels: number[] | null = null;
  if (options.channels !== undefined && options.channels !== null) {
    channels = Array.isArray(options.channels) ? [...options.channels] : [options.channels];
    if (channels.some((c) => !Number.isInteger(c))) throw new FlavorError(`channels must be integers, not [${channels.join(", ")}]`);
    if (channels.length < 2) mixdown = false;
  }
  if (format !== null && !(FORMATS as readonly string[]).includes(format)) {
    throw new FlavorError(`format has to be one of ${FORMATS.join(", ")}, not '${format}'`);
  }
  if (samplingRate !== null && !(SAMPLING_RATES as readonly number[]).includes(samplingRate)) {
    throw new FlavorError(`samplingRate has to be one of ${SAMPLING_RATES.join(", ")}, not ${shown(samplingRate)}`);
  }
  return { bitDepth, channels, format, mixdown, samplingRate };
}

/** A number as it is; anything else (e.g. the string "16000" from untyped JS) as JSON, so the message shows what is wrong. */
function shown(value: unknown): string {
  return typeof value === "number" ? String(value) : `${JSON.stringify(value)} (a ${typeof value}, not a number)`;
}

/** The YAML text audobject serialises a Flavor to (what audb hashes for the id). */
export function flavorYaml(flavor: Flavor): string {
  const value = (v: number | string | null) => (v === null ? "null" : String(v));
  const channels = flavor.channels === null ? " null\n" : "\n" + flavor.channels.map((c) => `  - ${c}\n`).join("");
  return (
    "$audb.core.flavor.Flavor:\n" +
    `  bit_depth: ${value(flavor.bitDepth)}\n` +
    `  channels:${channels}` +
    `  format: ${value(flavor.format)}\n` +
    `  mixdown: ${flavor.mixdown ? "true" : "false"}\n` +
    `  sampling_rate: ${value(flavor.samplingRate)}\n`
  );
}

/** audb's full flavour id: md5 of the flavour YAML as a uuid. */
export function flavorLongId(flavor: Flavor): string {
  const h = createHash("md5").update(flavorYaml(flavor)).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** audb's cache folder name for a flavour: the last 8 characters of its id (`d3b62a9b` by default). */
export function flavorId(flavor: Flavor): string {
  return flavorLongId(flavor).slice(-8);
}

/** The extension of `file`'s name (lower case, without the dot), or "" when it has none. */
function extensionOf(file: string): string {
  const dot = file.lastIndexOf(".");
  return dot > file.lastIndexOf("/") ? file.slice(dot + 1).toLowerCase() : "";
}

/** The path a file gets in a flavour: its extension changes when `format` does (one is added to a name without). */
export function flavorDestination(flavor: Flavor, file: string): string {
  if (flavor.format === null) return file;
  const ext = extensionOf(file);
  if (ext === flavor.format) return file;
  return ext === "" ? `${file}.${flavor.format}` : `${file.slice(0, file.length - ext.length)}${flavor.format}`;
}

/**
 * Refuses, as audb does, to give `media` of `deps` a flavour's format when an audio file
 * has no extension or two would land on one path (`x.wav` and `x.flac` as flac): an
 * {@link FlavorError} naming them, before anything is loaded.
 */
export function checkFlavorDestinations(flavor: Flavor, deps: Dependencies, media: readonly string[]): void {
  if (flavor.format === null) return;
  const taken = new Map<string, string>();
  for (const file of media) {
    if (!deps.has(file) || deps.samplingRate(file) === 0 || deps.removed(file)) continue;
    if (extensionOf(file) === "") {
      throw new FlavorError(`format '${flavor.format}': media file '${file}' has no extension to change (audb refuses it too); load it without format`);
    }
    const dest = flavorDestination(flavor, file);
    const other = taken.get(dest);
    if (other !== undefined) {
      throw new FlavorError(`format '${flavor.format}': media files '${other}' and '${file}' would both become '${dest}'; load them without format`);
    }
    taken.set(dest, file);
  }
}

/** Where medium `file` of `deps` lies in a flavour folder: audio carries the flavour's extension, other media keep theirs. */
export function mediumDestination(flavor: Flavor, deps: Dependencies, file: string): string {
  return deps.has(file) && deps.samplingRate(file) > 0 ? flavorDestination(flavor, file) : file;
}

/**
 * Whether a media file with the given properties needs converting for this flavour
 * (audb's `Flavor._check_convert`).
 */
export function needsConversion(
  flavor: Flavor,
  file: string,
  props: { bitDepth: number; channels: number; samplingRate: number },
): boolean {
  const ext = file.slice(file.lastIndexOf(".") + 1).toLowerCase();
  if (flavor.format !== null && flavor.format !== ext) return true;
  if (flavor.bitDepth !== null && flavor.bitDepth !== props.bitDepth) return true;
  if (flavor.mixdown && props.channels !== 1) return true;
  if (flavor.channels !== null) {
    const identity = flavor.channels.length === props.channels && flavor.channels.every((c, i) => c === i);
    if (!identity) return true;
  }
  if (flavor.samplingRate !== null && flavor.samplingRate !== props.samplingRate) return true;
  return false;
}

/** True when the flavour changes nothing. */
export function isDefaultFlavor(flavor: Flavor): boolean {
  return flavor.bitDepth === null && flavor.channels === null && flavor.format === null && !flavor.mixdown && flavor.samplingRate === null;
}
