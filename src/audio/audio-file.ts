import { open, type FileHandle } from "node:fs/promises";
import { CorruptAudioError } from "./errors.js";

/** Opens an audio file for reading; {@link CorruptAudioError} naming it when it cannot be opened. */
export async function openAudioFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, "r");
  } catch (err) {
    throw new CorruptAudioError(file, `cannot open: ${(err as Error).message}`, { cause: err });
  }
}

/** An open audio file read front to back in chunks, for the streaming decoders. */
export class FileChunks {
  private position = 0;

  constructor(
    readonly fh: FileHandle,
    readonly size: number,
    private readonly file: string,
  ) {}

  /** The next chunk of at most `bytes` bytes, or null at the end of the file. */
  async next(bytes: number): Promise<Buffer | null> {
    if (this.position >= this.size) return null;
    const chunk = Buffer.alloc(Math.min(bytes, this.size - this.position));
    const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.position);
    if (bytesRead === 0) throw new CorruptAudioError(this.file, `file shrank while reading at byte ${this.position}`);
    this.position += bytesRead;
    return chunk.subarray(0, bytesRead);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
