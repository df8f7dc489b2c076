import { backendFactory, backendKinds, type Backend } from "../../backends/index.js";
import { AudbError } from "../errors.js";

/** A repository names a backend kind that is not registered. */
export class UnknownBackendError extends AudbError {}

/**
 * Where datasets live: repository `name` on `host`, reached through the backend kind
 * `backend` (`file-system`, `s3`, `http` or one added with `registerBackend`). Mirrors
 * `audb.Repository`; for `file-system`, `host` is the folder holding repositories and
 * the repository's root is `host/name`.
 */
export class Repository {
  /** Repository name, e.g. `data-local`. */
  readonly name: string;
  /** Host: a folder for `file-system`, an endpoint for `s3` / `http`. */
  readonly host: string;
  /** Registered backend kind. */
  readonly backendKind: string;
  private backend?: Promise<Backend>;

  constructor(name: string, host: string, backend: string) {
    this.name = name;
    this.host = host;
    this.backendKind = backend;
  }

  /** Creates the backend on first use and returns the same one afterwards. */
  open(): Promise<Backend> {
    if (!this.backend) {
      const factory = backendFactory(this.backendKind);
      if (!factory) {
        return Promise.reject(
          new UnknownBackendError(
            `repository '${this.name}' uses backend '${this.backendKind}', which is not registered; registered: ${backendKinds()
              .map((k) => `'${k}'`)
              .join(", ")}`,
          ),
        );
      }
      this.backend = Promise.resolve().then(() => factory(this.host, this.name));
      this.backend.catch(() => (this.backend = undefined));
    }
    return this.backend;
  }

  /** True when name, host and backend kind are equal (like audb's `__eq__`). */
  equals(other: Repository): boolean {
    return this.toString() === other.toString();
  }

  /** `Repository('name', 'host', 'backend')`, as audb prints it. */
  toString(): string {
    return `Repository('${this.name}', '${this.host}', '${this.backendKind}')`;
  }
}
