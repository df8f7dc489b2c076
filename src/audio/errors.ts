import { AudbError } from "../errors.js";

/** Base class of the errors raised while reading, writing or converting an audio file. */
export class AudioFileError extends AudbError {
  /** The file at fault. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.file = file;
  }
}

/** The file is not audio, or is damaged or truncated. */
export class CorruptAudioError extends AudioFileError {}

/** The file is valid audio in a variant (RF64, 32-bit FLAC, compressed WAV, ...) audb-ts does not handle. */
export class UnsupportedAudioError extends AudioFileError {}
