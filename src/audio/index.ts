export { AudioFileError, CorruptAudioError, UnsupportedAudioError } from "./errors.js";
export { audioInfo, type AudioInfo } from "./info.js";
export { WavReader, WavWriter, type WavHeader, type WavWriteOptions } from "./wav.js";
export { FlacReader, FlacWriter, type FlacWriteOptions } from "./flac.js";
export { openAudioReader, type AudioReader } from "./reader.js";
export { ChannelSelectionError, channelMap, remix, remixedChannels, type RemixOptions } from "./remix.js";
export { floatToInt, intToFloat, intRange } from "./pcm.js";
export { convertFile, type ConvertOptions } from "./convert.js";
export { ConversionPool, convertFiles, type ConversionJob } from "./convert-files.js";
