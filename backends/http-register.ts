import { registerBackend } from "./backend.js";

/** Registers the read-only kinds `http` and `https` (`host` = base URL, `name` = folder under it). */
export function registerHttpBackend(): void {
  for (const kind of ["http", "https"]) {
    registerBackend(kind, async (host, name) => {
      const { HttpBackend } = await import("./http.js");
      return new HttpBackend(host, name, { kind });
    });
  }
}
