import { readFile } from "node:fs/promises";
import { parquetReadObjects } from "hyparquet";

/** The values of one column of a parquet file. */
export async function readParquetColumn(path: string, column: string): Promise<unknown[]> {
  const data = await readFile(path);
  const file = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, columns: [column] });
  return rows.map((r) => r[column]);
}
