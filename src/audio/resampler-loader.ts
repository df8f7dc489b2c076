/** The streaming resampler API of `./resample.ts` that conversion uses. */
export interface BlockResampler {
  process(block: Float32Array[]): Float32Array[];
  flush(): Float32Array[];
}

type ResamplerClass = new (inRate: number, outRate: number, channels: number) => BlockResampler;

// A computed specifier keeps the resampler (built separately, with a wasm
// kernel) out of the static import graph of the codecs.
const RESAMPLE_MODULE = "./resample.js";

/** Creates the project's streaming resampler for `channels` channels. */
export async function createResampler(inRate: number, outRate: number, channels: number): Promise<BlockResampler> {
  const mod = (await import(RESAMPLE_MODULE)) as { Resampler: ResamplerClass };
  return new mod.Resampler(inRate, outRate, channels);
}
