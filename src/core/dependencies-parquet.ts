import { Dependencies, DependencyTableError, type DependencyColumns } from "./dependencies.js";

const PARQUET_TO_COLUMN: Record<string, keyof DependencyColumns> = {
  file: "file", archive: "archive", bit_depth: "bitDepth", channels: "channels", checksum: "checksum",
  duration: "duration", format: "format", removed: "removed", sampling_rate: "samplingRate", type: "type",
  version: "version",
};

/** Reads audb's `db.parquet` dependency table (audb >= 1.7). `source` names the file in errors. */
export async function dependenciesFromParquet(data: Uint8Array, source = "db.parquet"): Promise<Dependencies> {
  const { parquetMetadata, parquetRead } = await import("hyparquet"); // large: only for audb-python's tables
  const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  let rows: number;
  try {
    rows = Number(parquetMetadata(file).num_rows);
  } catch (e) {
    throw new DependencyTableError(`${source}: not a parquet file: ${(e as Error).message}`);
  }
  const chunks = new Map<keyof DependencyColumns, { start: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file,
    columns: Object.keys(PARQUET_TO_COLUMN),
    onChunk: ({ columnName, columnData, rowStart }) => {
      const key = PARQUET_TO_COLUMN[columnName];
      if (!key) return;
      const list = chunks.get(key) ?? [];
      list.push({ start: rowStart, data: columnData as ArrayLike<unknown> });
      chunks.set(key, list);
    },
  });
  const cols = {} as Record<keyof DependencyColumns, unknown[]>;
  for (const [name, key] of Object.entries(PARQUET_TO_COLUMN)) {
    const parts = chunks.get(key);
    if (!parts) throw new DependencyTableError(`${source}: column '${name}' is missing`);
    const out = new Array<unknown>(rows);
    for (const part of parts) {
      for (let i = 0; i < part.data.length && part.start + i < rows; i++) out[part.start + i] = part.data[i];
    }
    const isText = key === "file" || key === "archive" || key === "checksum" || key === "format" || key === "version";
    for (let i = 0; i < rows; i++) {
      const v = out[i];
      if (isText) out[i] = v == null ? "" : String(v);
      else out[i] = v == null ? 0 : Number(v);
    }
    cols[key] = out;
  }
  return new Dependencies(cols as unknown as DependencyColumns);
}
