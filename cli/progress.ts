import type { SingleBar } from "cli-progress";
import type { ProgressEvent, ProgressListener } from "../src/core/progress.js";

/** Renders the library's progress events; `stop()` finishes the display. */
export interface ProgressRenderer {
  listener: ProgressListener;
  stop(): void;
}

/** Options of {@link progressRenderer}. */
export interface ProgressOptions {
  quiet: boolean;
  stream: NodeJS.WriteStream;
  /** Milliseconds between lines when the stream is not a terminal (default 5000). */
  intervalMs?: number;
}

const LABELS: Record<string, string> = {
  hash: "hashing",
  "hash-tables": "hashing tables",
  upload: "uploading",
  download: "downloading",
  extract: "extracting",
  convert: "converting",
  tables: "tables",
  reuse: "reusing cached",
  check: "checking cached",
};

/** Phases that only mark the end of an operation. */
const MARKERS = new Set(["done"]);

/** Where one phase stands, with its rates. */
class PhaseState {
  readonly started = Date.now();
  done = 0;
  total = 0;
  bytes?: number;

  constructor(readonly label: string) {}

  update(event: ProgressEvent): void {
    this.done = event.done;
    this.total = event.total;
    if (event.bytes !== undefined) this.bytes = event.bytes;
  }

  get finished(): boolean {
    return this.done >= this.total;
  }

  /** Payload shown after the counts: bytes, rate and ETA. */
  details(): { size: string; rate: string; eta: string } {
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    // Phases reported in one go have no meaningful rate.
    const rate = seconds < 0.2 ? "" : this.bytes !== undefined ? `${formatBytes(this.bytes / seconds)}/s` : `${(this.done / seconds).toFixed(1)} files/s`;
    const remaining = this.done > 0 ? ((this.total - this.done) * seconds) / this.done : NaN;
    return {
      size: this.bytes !== undefined ? formatBytes(this.bytes) : "",
      rate,
      eta: this.finished ? "0s" : Number.isFinite(remaining) ? formatSeconds(remaining) : "?",
    };
  }
}

/** Creates the renderer fitting `stream`: bars on a terminal, periodic lines otherwise, silence when quiet. */
export async function progressRenderer(options: ProgressOptions): Promise<ProgressRenderer> {
  if (options.quiet) return { listener: () => {}, stop: () => {} };
  return options.stream.isTTY ? await barRenderer(options.stream) : lineRenderer(options.stream, options.intervalMs ?? 5000);
}

function phaseState(states: Map<string, PhaseState>, event: ProgressEvent): PhaseState | undefined {
  if (MARKERS.has(event.phase) || event.total <= 0) return undefined;
  let state = states.get(event.phase);
  if (!state) {
    state = new PhaseState(LABELS[event.phase] ?? event.phase);
    states.set(event.phase, state);
  }
  state.update(event);
  return state;
}

async function barRenderer(stream: NodeJS.WriteStream): Promise<ProgressRenderer> {
  const { MultiBar, Presets } = await import("cli-progress"); // 19 modules: loaded only for a terminal
  const multi = new MultiBar(
    {
      stream,
      format: "{label} |{bar}| {value}/{total} files {size} {rate} ETA {eta}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const states = new Map<string, PhaseState>();
  const bars = new Map<string, SingleBar>();
  // cli-progress hides the cursor: show it again when the user interrupts.
  const interrupted = () => {
    multi.stop();
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  return {
    listener: (event) => {
      const state = phaseState(states, event);
      if (!state) return;
      const payload = { label: state.label.padEnd(15), ...state.details() };
      const bar = bars.get(event.phase);
      if (bar) {
        bar.setTotal(state.total);
        bar.update(state.done, payload);
      } else bars.set(event.phase, multi.create(state.total, state.done, payload));
    },
    stop: () => {
      process.off("SIGINT", interrupted);
      multi.stop();
    },
  };
}

function lineRenderer(stream: NodeJS.WriteStream, intervalMs: number): ProgressRenderer {
  const states = new Map<string, PhaseState>();
  const reported = new Set<string>();
  let last = Date.now();
  const line = (state: PhaseState) => {
    const { size, rate, eta } = state.details();
    const parts = [`${state.done}/${state.total} files`, size, rate, state.finished ? "" : `ETA ${eta}`].filter(Boolean);
    stream.write(`audb: ${state.label} ${parts.join(", ")}\n`);
    last = Date.now();
  };
  return {
    listener: (event) => {
      const state = phaseState(states, event);
      if (!state) return;
      const key = `${event.phase}:${state.total}`;
      if (state.finished) {
        if (!reported.has(key)) line(state);
        reported.add(key);
      } else if (Date.now() - last >= intervalMs) line(state);
    },
    stop: () => {},
  };
}

/** `1.5 MB`-style size (powers of 1000). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** `1h02m`, `3m05s`, `12s`. */
export function formatSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
