// A static server over a temp folder, and a seed that plays the publisher: it writes the
// object and refreshes `index.json` in every folder above it (format in backends/http.ts).
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { HttpBackend } from "../../backends/http.js";
import { startStaticServer, type StaticHttpServer } from "../helpers/http-server.js";

export interface ServedRepository {
  server: StaticHttpServer;
  /** Folder served as the host root; the repository is `<root>/<name>`. */
  root: string;
  name: string;
  backend: HttpBackend;
  seed(key: string, data: Uint8Array): Promise<void>;
  cleanup(): Promise<void>;
}

async function writeIndex(folder: string): Promise<void> {
  const entries = await fs.readdir(folder, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const files = entries.filter((e) => e.isFile() && e.name !== "index.json").map((e) => e.name).sort();
  await fs.writeFile(path.join(folder, "index.json"), JSON.stringify({ dirs, files }));
}

export async function servedRepository(name = "repo"): Promise<ServedRepository> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "audb-http-"));
  const repo = path.join(root, name);
  await fs.mkdir(repo);
  const server = await startStaticServer(root);
  return {
    server,
    root,
    name,
    backend: new HttpBackend(server.url, name),
    async seed(key, data) {
      const file = path.join(repo, ...key.split("/"));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, data);
      for (let folder = path.dirname(file); folder.startsWith(repo); folder = path.dirname(folder)) {
        await writeIndex(folder);
        if (folder === repo) break;
      }
    },
    async cleanup() {
      await server.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
