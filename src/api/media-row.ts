import type { AudioInfo } from "../audio/info.js";
import { DependencyType, type DependencyRow } from "../core/dependencies.js";

/** Lower-case extension of a db-relative path ("" for none). */
export function extensionOf(file: string): string {
  const base = file.slice(file.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

/** The dependency row of a media file, from its checksum and audio header (zeros for non-audio). */
export function mediaRow(file: string, archive: string, checksum: string, info: AudioInfo | undefined, version: string): DependencyRow {
  return {
    file, archive, bitDepth: info?.bitDepth ?? 0, channels: info?.channels ?? 0, checksum,
    duration: info?.duration ?? 0, format: extensionOf(file), removed: false, samplingRate: info?.samplingRate ?? 0,
    type: DependencyType.media, version,
  };
}
