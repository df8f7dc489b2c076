/** A progress event the library emits; the CLI renders them. */
export interface ProgressEvent {
  /** What is going on: `hash`, `hash-tables`, `upload`, `download`, `extract`, `convert`, `done`, ... */
  phase: string;
  /** Items finished so far in this phase. */
  done: number;
  /** Items in this phase. */
  total: number;
  /** Bytes moved so far in this phase, where known. */
  bytes?: number;
}

/** Receives progress events. Must not throw. */
export type ProgressListener = (event: ProgressEvent) => void;

/** Calls the listener, if any. */
export function emit(listener: ProgressListener | undefined, event: ProgressEvent): void {
  listener?.(event);
}

/** Long loops over files report progress this often, so a 100,000-file load never falls silent. */
export const PROGRESS_EVERY = 2000;
