/**
 * Small header objects: Rater, Split, Media, Attachment, and the value sets
 * audformat defines for them (`audformat.define`).
 */

import { InvalidValueError } from "./errors.js";
import { appendMeta, asMapping, fieldError, metaFrom, optNumber, optString } from "./header-yaml.js";
import { checkPortablePath } from "./paths.js";
import type { YamlValue } from "./yaml-emit.js";

/** The values audformat allows for a database's `usage`. */
export const USAGES = ["commercial", "other", "research", "restricted", "unrestricted"] as const;
/** A database's `usage`. */
export type Usage = (typeof USAGES)[number];

export const RATER_TYPES = ["ground truth", "human", "machine", "other", "vote"] as const;
export type RaterType = (typeof RATER_TYPES)[number];

export const SPLIT_TYPES = ["dev", "other", "test", "train"] as const;
export type SplitType = (typeof SPLIT_TYPES)[number];

export const MEDIA_TYPES = ["audio", "other", "video"] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** Licence URLs audformat fills in for its predefined licences. */
export const LICENSE_URLS: Readonly<Record<string, string>> = {
  "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
  "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
  "CC-BY-NC-4.0": "https://creativecommons.org/licenses/by-nc/4.0/",
  "CC-BY-NC-SA-4.0": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
  "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
};

/** Throw {@link InvalidValueError} unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidValueError(
      `Invalid value '${String(value)}' for '${field}', expected one of ${allowed.map((a) => `'${a}'`).join(", ")}`,
      { field },
    );
  }
  return value as T;
}

export interface HeaderOptions {
  description?: string;
  meta?: Record<string, unknown>;
}

/** Fields shared by every header object. */
export abstract class HeaderBase {
  description?: string;
  meta: Record<string, unknown>;

  constructor(opts: HeaderOptions = {}) {
    this.description = opts.description;
    this.meta = opts.meta ?? {};
  }
}

function put(out: Map<YamlValue, YamlValue>, key: string, value: YamlValue | undefined): void {
  if (value !== undefined && value !== null) out.set(key, value);
}

/** The YAML of a header item that is a description, a type and meta (raters, splits). */
function typedItemToYaml(item: HeaderBase & { type: string }): Map<YamlValue, YamlValue> {
  const out = new Map<YamlValue, YamlValue>();
  put(out, "description", item.description);
  put(out, "type", item.type);
  appendMeta(out, item.meta);
  return out;
}

/** The options of such an item read from YAML; `fallback` when `type` is absent. */
function typedItemFromYaml<T extends string>(
  value: YamlValue, field: string, file: string | undefined, types: readonly T[], fallback: T,
): { type: T; description?: string; meta: Record<string, unknown> } {
  const m = asMapping(value, field, file);
  return {
    type: m.has("type") ? checkOneOf(m.get("type"), types, `${field}.type`) : fallback,
    description: optString(m.get("description"), `${field}.description`, file),
    meta: metaFrom(m, ["description", "type"]),
  };
}

// ------------------------------------------------------------------- Rater

export interface RaterOptions extends HeaderOptions {
  type?: RaterType;
}

/** The author of annotations (`type`: human, machine, ground truth, vote, other). */
export class Rater extends HeaderBase {
  type: RaterType;

  constructor(opts: RaterOptions = {}) {
    super(opts);
    this.type = checkOneOf(opts.type ?? "human", RATER_TYPES, "rater.type");
  }

  toYaml(): Map<YamlValue, YamlValue> {
    return typedItemToYaml(this);
  }

  static fromYaml(value: YamlValue, field: string, file?: string): Rater {
    return new Rater(typedItemFromYaml(value, field, file, RATER_TYPES, "human"));
  }
}

// ------------------------------------------------------------------- Split

export interface SplitOptions extends HeaderOptions {
  type?: SplitType;
}

/** A database split (`type`: train, dev, test, other). */
export class Split extends HeaderBase {
  type: SplitType;

  constructor(opts: SplitOptions = {}) {
    super(opts);
    this.type = checkOneOf(opts.type ?? "other", SPLIT_TYPES, "split.type");
  }

  toYaml(): Map<YamlValue, YamlValue> {
    return typedItemToYaml(this);
  }

  static fromYaml(value: YamlValue, field: string, file?: string): Split {
    return new Split(typedItemFromYaml(value, field, file, SPLIT_TYPES, "other"));
  }
}

// ------------------------------------------------------------------- Media

export interface MediaOptions extends HeaderOptions {
  type?: MediaType;
  format?: string;
  samplingRate?: number;
  channels?: number;
  bitDepth?: number;
  videoFps?: number;
  videoResolution?: number[];
  videoChannels?: number;
  videoDepth?: number;
}

const MEDIA_KEYS = [
  "description",
  "type",
  "format",
  "channels",
  "bit_depth",
  "sampling_rate",
  "video_fps",
  "video_resolution",
  "video_channels",
  "video_depth",
] as const;

/** Media information. `format` is stored lower case. */
export class Media extends HeaderBase {
  type: MediaType;
  format?: string;
  channels?: number;
  bitDepth?: number;
  samplingRate?: number;
  videoFps?: number;
  videoResolution?: number[];
  videoChannels?: number;
  videoDepth?: number;

  constructor(opts: MediaOptions = {}) {
    super(opts);
    this.type = checkOneOf(opts.type ?? "other", MEDIA_TYPES, "media.type");
    this.format = opts.format === undefined || opts.format === null ? undefined : String(opts.format).toLowerCase();
    this.channels = opts.channels;
    this.bitDepth = opts.bitDepth;
    this.samplingRate = opts.samplingRate;
    this.videoFps = opts.videoFps;
    this.videoResolution = opts.videoResolution === undefined ? undefined : [...opts.videoResolution];
    this.videoChannels = opts.videoChannels;
    this.videoDepth = opts.videoDepth;
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    put(out, "description", this.description);
    put(out, "type", this.type);
    put(out, "format", this.format);
    put(out, "channels", this.channels);
    put(out, "bit_depth", this.bitDepth);
    put(out, "sampling_rate", this.samplingRate);
    put(out, "video_fps", this.videoFps);
    put(out, "video_resolution", this.videoResolution);
    put(out, "video_channels", this.videoChannels);
    put(out, "video_depth", this.videoDepth);
    appendMeta(out, this.meta);
    return out;
  }

  static fromYaml(value: YamlValue, field: string, file?: string): Media {
    const m = asMapping(value, field, file);
    const num = (key: string) => optNumber(m.get(key), `${field}.${key}`, file)?.value;
    const res = m.get("video_resolution");
    if (res !== undefined && res !== null && !Array.isArray(res)) {
      throw fieldError(`${field}.video_resolution`, "must be a list", file);
    }
    return new Media({
      type: m.has("type") ? checkOneOf(m.get("type"), MEDIA_TYPES, `${field}.type`) : "other",
      format: optString(m.get("format"), `${field}.format`, file),
      channels: num("channels"),
      bitDepth: num("bit_depth"),
      samplingRate: num("sampling_rate"),
      videoFps: num("video_fps"),
      videoResolution: Array.isArray(res) ? res.map((r) => Number(r)) : undefined,
      videoChannels: num("video_channels"),
      videoDepth: num("video_depth"),
      description: optString(m.get("description"), `${field}.description`, file),
      meta: metaFrom(m, MEDIA_KEYS),
    });
  }
}

// -------------------------------------------------------------- Attachment

export interface AttachmentOptions extends HeaderOptions {}

/** A file or folder attached to the database, at a portable relative `path`. */
export class Attachment extends HeaderBase {
  path: string;

  constructor(path: string, opts: AttachmentOptions = {}) {
    super(opts);
    checkPortablePath(path, "attachment path");
    this.path = path;
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    put(out, "description", this.description);
    put(out, "path", this.path);
    appendMeta(out, this.meta);
    return out;
  }

  static fromYaml(value: YamlValue, field: string, file?: string): Attachment {
    const m = asMapping(value, field, file);
    const path = optString(m.get("path"), `${field}.path`, file);
    if (path === undefined) throw fieldError(`${field}.path`, "is missing", file);
    checkPortablePath(path, `path of ${field}`, { field: `${field}.path` });
    return new Attachment(path, {
      description: optString(m.get("description"), `${field}.description`, file),
      meta: metaFrom(m, ["description", "path"]),
    });
  }
}
