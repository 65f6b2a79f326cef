// The narrow read-only view of GCS that Kettle needs, in the style of TestGrid's
// util/gcs/client.go: a Lister and an Opener. The real client, the local-folder
// mirror and the in-memory fake all satisfy GcsReader, so the collector never
// knows which one it talks to.

/** One object of a listing. `size` is in bytes. */
export type ObjectInfo = {
  name: string;
  size: number;
  updated?: Date;
  /** GCS generations are int64; kept as the decimal string GCS sends. */
  generation?: string;
};

/**
 * One page of a listing: objects directly matched, and "folders" (common
 * prefixes, each ending with the delimiter) when a delimiter was given.
 */
export type ListResult = {
  items: ObjectInfo[];
  prefixes: string[];
};

export type ListOptions = {
  /** Usually "/": objects below the next delimiter are folded into `prefixes`. */
  delimiter?: string;
  /** Cancels the listing between and during requests (shutdown). */
  signal?: AbortSignal;
};

export type ReadOptions = {
  /** Objects larger than this are refused with TooLargeError (never buffered). */
  maxBytes: number;
  signal?: AbortSignal;
};

export type GcsLister = {
  /**
   * Lists every object and prefix under `prefix`, following all pages. Each
   * yielded value is one page (at least one, possibly empty); entries arrive
   * in GCS order (by UTF-8 bytes of the name) and a prefix appears once.
   */
  list(bucket: string, prefix: string, options?: ListOptions): AsyncIterable<ListResult>;
};

export type GcsOpener = {
  /**
   * Reads a whole object. A missing object is `null` (a state, not an error:
   * a build without finished.json is still running); an object over
   * `maxBytes` throws TooLargeError naming it.
   */
  read(bucket: string, name: string, options: ReadOptions): Promise<Buffer | null>;
};

export type GcsReader = GcsLister & GcsOpener;

/** Operations as they appear in the `op` label of the metrics. */
export type GcsOp = 'list' | 'read';

/**
 * What one request (attempt) ended with; the `outcome` label of
 * kettle_gcs_requests_total.
 */
export type GcsOutcome =
  | 'ok'
  | 'not_found'
  | 'too_large'
  | 'timeout'
  | 'throttled'
  | 'server_error'
  | 'client_error'
  | 'network_error'
  | 'corrupt'
  | 'aborted'
  | 'invalid';
