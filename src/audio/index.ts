export { AudioFileError, CorruptAudioError, UnsupportedAudioError } from "./errors.js";
export { audioInfo, type AudioInfo } from "./info.js";
export { WavReader, WavWriter, type WavHeader, type WavWriteOptions } from "./wav.js";
export { floatToInt, intToFloat } from "./pcm.js";
export { FlacReader, FlacWriter, type FlacWriteOptions } from "./flac.js";
