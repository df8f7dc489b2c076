/** Planar blocks of samples (one array per channel) queued as decoded and taken in blocks of any size. */
export class PlanarQueue<T extends Float32Array | Int32Array> {
  private blocks: T[][] = [];
  /** Frames queued. */
  frames = 0;

  constructor(
    private readonly channels: number,
    private readonly create: (frames: number) => T,
  ) {}

  push(block: T[]): void {
    const n = block[0]?.length ?? 0;
    if (n === 0) return;
    this.blocks.push(block);
    this.frames += n;
  }

  /** The next `frames` frames (at most what is queued), as one block. */
  take(frames: number): T[] {
    const count = Math.min(frames, this.frames);
    const out = Array.from({ length: this.channels }, () => this.create(count));
    let filled = 0;
    while (filled < count) {
      const block = this.blocks[0]!;
      const n = Math.min(block[0]!.length, count - filled);
      block.forEach((ch, c) => out[c]!.set(ch.subarray(0, n), filled));
      filled += n;
      if (n === block[0]!.length) this.blocks.shift();
      else this.blocks[0] = block.map((ch) => ch.subarray(n) as T);
    }
    this.frames -= count;
    return out;
  }
}
