import { backendContract } from "../backends/contract.js";
import { servedRepository, type ServedRepository } from "./http-fixture.js";

let current: ServedRepository | undefined;

backendContract(
  "http (read-only)",
  async () => {
    current = await servedRepository();
    return { backend: current.backend, cleanup: () => current!.cleanup() };
  },
  { readOnly: { seed: (key, data) => current!.seed(key, data) } },
);
