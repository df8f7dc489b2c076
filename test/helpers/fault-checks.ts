import { expect } from "vitest";
import type { Backend } from "../../backends/backend.js";
import { EndpointUnreachableError } from "../../backends/remote-errors.js";
import type { FaultServer } from "./fault-server.js";

/**
 * Checks, through `proxy`, that a ranged read of `key` (holding `data`, 100,000 bytes) whose
 * connection drops is resumed from the first byte not yet read, and that one which keeps
 * dropping fails typed, naming the key (QA 22 D3): for every network backend alike.
 */
export async function expectRangedReadsResume(backend: Backend, proxy: FaultServer, key: string, data: Buffer): Promise<void> {
  const read = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of await backend.getStream(key, { start: 1000, end: 50_999 })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const match = new RegExp(`^GET .*${key.split("/").at(-1)!.replace(/\./g, "\\.")}`);
  proxy.rules = [{ match, times: 1, action: "truncate", after: 0 }, { match, times: 1, action: "truncate", after: 7000 }];
  expect((await read()).equals(data.subarray(1000, 51_000))).toBe(true);
  expect(proxy.seen.at(-1)?.range).toBe("bytes=8000-50999");
  proxy.rules = [{ match, times: -1, action: "truncate", after: 0 }];
  const error = await read().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EndpointUnreachableError);
  expect((error as Error).message).toContain(key);
}
