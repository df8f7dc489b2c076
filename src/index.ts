/**
 * audb-ts: publish, version and load audio datasets in the repository layout of the
 * Python library audb.
 *
 * @packageDocumentation
 */

import "../backends/index.js";
import { packageVersion } from "./core/package-version.js";

/** audb-ts's version, as its package.json gives it. */
export const VERSION = packageVersion();

// API
export { publish, type PublishOptions } from "./api/publish.js";
export { load, type LoadOptions } from "./api/load.js";
export { loadTo, type LoadToOptions } from "./api/load-to.js";
export {
  loadAttachment, loadMedia, loadTable, type LoadAttachmentOptions, type LoadMediaOptions, type LoadTableOptions,
} from "./api/load-files.js";
export { removeMedia, type RemoveMediaOptions, type RemoveMediaResult } from "./api/remove-media.js";
export { stream, type StreamOptions } from "./api/stream.js";
export {
  available, cached, dependencies, exists, latestVersion, repository, versions,
  type AvailableOptions, type AvailableVersion, type CachedFlavor, type CachedOptions, type DependenciesOptions, type ExistsOptions,
} from "./api/discovery.js";
export { info, type HeaderOptions, type InfoOptions, type MediaInfoOptions, type TableInfo } from "./api/info.js";
export { configure, settings } from "./api/settings.js";
export { writeHttpIndex } from "./api/http-index.js";
export { dataCard, dataCardInput, renderDataCard, type DataCardInput, type MediaFacts, type VersionFacts } from "./api/card.js";

// Core
export { Repository, UnknownBackendError } from "./core/repository.js";
export { loadConfig, ConfigError, type AudbConfig } from "./core/config.js";
export { Dependencies, DependencyType, MissingDependencyError, DependencyTableError, type DependencyRow } from "./core/dependencies.js";
export { flavorId, makeFlavor, FlavorError, type Flavor, type FlavorOptions } from "./core/flavor.js";
export type { ProgressEvent, ProgressListener } from "./core/progress.js";
export * from "./core/errors.js";
export { ArchiveError } from "./core/archive.js";
export { ChecksumError, type ChecksumAlgorithm } from "./core/checksum.js";
export { AudbError } from "./errors.js";

// Backends
export {
  registerBackend, backendKinds, FileSystemBackend,
  InvalidKeyError, MissingKeyError, BackendUnavailableError, ReadOnlyBackendError,
  AccessDeniedError, BucketNotFoundError, EndpointUnreachableError, ServerError, WrongRegionError,
  type Backend, type BackendFactory, type Listing,
} from "../backends/index.js";

export { readZipDirectory, openMember, copyMembers, RemoteArchiveError, MissingMemberError } from "../backends/zip-range.js";

// The audformat model
export {
  Database, Table, MiscTable, Column, Scheme, Rater, Split, Media, Attachment, Frame, Series, Index,
  filewiseIndex, segmentedIndex, miscIndex, toSegmentedIndex, unionIndex, intersectIndex,
  FormatError, type Dtype, type Usage,
} from "./format/index.js";
export * as format from "./format/index.js";
export * as audio from "./audio/index.js";
export { Resampler, resample, resampledLength, ResampleError } from "./audio/resample.js";
export { audioInfo, type AudioInfo } from "./audio/info.js";
export { convertFile, type ConvertOptions } from "./audio/convert.js";
export { AudioFileError, CorruptAudioError, UnsupportedAudioError } from "./audio/errors.js";
export { ChannelSelectionError } from "./audio/remix.js";
