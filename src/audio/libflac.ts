import { createRequire } from "node:module";

/** Final STREAMINFO reported by libFLAC when an encoder finishes. */
export interface LibFlacStreamInfo {
  min_blocksize: number;
  max_blocksize: number;
  min_framesize: number;
  max_framesize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  total_samples: number;
  md5sum: string;
}

/** The part of libflacjs's API the encoder uses. */
export interface LibFlac {
  create_libflac_encoder(
    sampleRate: number,
    channels: number,
    bitsPerSample: number,
    compressionLevel: number,
    totalSamples: number,
    verify: boolean,
    blockSize: number,
  ): number;
  init_encoder_stream(
    encoder: number,
    write: (data: Uint8Array, bytes: number, samples: number, currentFrame: number) => void,
    metadata: (info: LibFlacStreamInfo | undefined) => void,
  ): number;
  FLAC__stream_encoder_process(encoder: number, channels: Int32Array[], frames: number): boolean | number;
  FLAC__stream_encoder_finish(encoder: number): boolean | number;
  FLAC__stream_encoder_get_state(encoder: number): number;
  FLAC__stream_encoder_delete(encoder: number): void;
  isReady(): boolean;
  on(event: "ready", listener: () => void): void;
}

let loading: Promise<LibFlac> | undefined;

/**
 * Loads libflacjs's wasm build once per thread. Its emscripten loader would
 * `fetch()` the .wasm file by path when a global fetch exists (Node >= 18),
 * which fails; with fetch hidden it reads the file with `fs`.
 */
export function loadLibFlac(): Promise<LibFlac> {
  loading ??= new Promise<LibFlac>((resolve, reject) => {
    const require = createRequire(import.meta.url);
    const g = globalThis as { fetch?: unknown };
    const savedFetch = g.fetch;
    let flac: LibFlac;
    try {
      g.fetch = undefined;
      flac = (require("libflacjs") as (variant: string) => LibFlac)("min.wasm");
    } catch (err) {
      reject(err as Error);
      return;
    } finally {
      g.fetch = savedFetch;
    }
    if (flac.isReady()) resolve(flac);
    else flac.on("ready", () => resolve(flac));
  });
  return loading;
}
