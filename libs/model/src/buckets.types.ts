/** One entry of buckets.yaml, keyed by `gs://bucket/prefix/` (DESIGN §4b). */
export type BucketConfig = {
  /** The key as written, normalised to end in `/`. */
  key: string;
  bucket: string;
  /** Object prefix inside the bucket, ending in `/` (or empty for the bucket root). */
  objectPrefix: string;
  contact: string;
  /** Job-name prefix, ending in `:`, or empty. */
  prefix: string;
  sequential: boolean;
  excludeJobs: readonly string[];
  /** Walked through `directory/<job>/<build>.txt` pointers. */
  pr: boolean;
};

export type BucketsConfig = { buckets: readonly BucketConfig[] };
