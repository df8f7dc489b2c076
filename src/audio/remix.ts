import { AudbError } from "../errors.js";

/** A channel selection that cannot be applied. */
export class ChannelSelectionError extends AudbError {}

/**
 * Channel indices a selection reads from a signal of `inputChannels`
 * channels, with audresample.remix's `upmix="repeat"` semantics (as audb's
 * flavours use): the signal is first repeated ([0, 1, 0, 1, ...]) up to
 * max(max(channels) + 1, |min(channels)|) channels, then indexed, negative
 * indices counting from the end of the repeated signal.
 */
export function channelMap(inputChannels: number, channels: readonly number[]): number[] {
  if (channels.length === 0) throw new ChannelSelectionError("channel selection is empty");
  if (channels.some((c) => !Number.isInteger(c))) throw new ChannelSelectionError(`channel selection [${channels.join(", ")}] holds a non-integer`);
  const width = Math.max(inputChannels, Math.max(...channels) + 1, Math.abs(Math.min(...channels)));
  return channels.map((c) => (c < 0 ? width + c : c) % inputChannels);
}

/** What to do with the channels of a signal. */
export interface RemixOptions {
  /** Channels to keep, in order; negative counts from the end; beyond the last repeats the signal. */
  channels?: readonly number[] | number;
  /** Average the (selected) channels into one. */
  mixdown?: boolean;
}

/** Number of channels {@link remix} returns for a signal of `inputChannels` channels. */
export function remixedChannels(inputChannels: number, options: RemixOptions): number {
  const selected = options.channels === undefined ? inputChannels : [options.channels].flat().length;
  return options.mixdown ? 1 : selected;
}

/**
 * Selects, repeats and mixes down channels of a planar block, as audb does
 * with `audresample.remix(signal, channels, mixdown, upmix="repeat")`.
 * Returns the input arrays themselves when nothing changes.
 */
export function remix(block: Float32Array[], options: RemixOptions): Float32Array[] {
  let out = block;
  if (options.channels !== undefined) {
    const map = channelMap(block.length, [options.channels].flat());
    out = map.map((c) => block[c]!);
  }
  if (options.mixdown && out.length > 1) {
    const n = out[0]!.length;
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const ch of out) s += ch[i]!;
      mean[i] = s / out.length;
    }
    out = [mean];
  }
  return out;
}
