// Typed errors of the network backends (S3, HTTP). Kept apart from the backends so
// catching them does not load the AWS SDK.
import { BackendUnavailableError } from "./backend.js";

/** The endpoint did not answer: DNS failure, refused or dropped connections, timeouts. */
export class EndpointUnreachableError extends BackendUnavailableError {}
/** The bucket (S3) named by the repository does not exist on the endpoint. */
export class BucketNotFoundError extends BackendUnavailableError {}
/** The server refused access to the bucket or key (bad or missing credentials, policy). */
export class AccessDeniedError extends BackendUnavailableError {}
/** The bucket lives in another region than the client was configured for. */
export class WrongRegionError extends BackendUnavailableError {}
/** The server answered with an error status that retries did not cure. */
export class ServerError extends BackendUnavailableError {}
/** The endpoint stopped answering or sending for longer than the idle timeout, on every attempt. */
export class EndpointTimeoutError extends EndpointUnreachableError {}
