export type {
  GcsLister,
  GcsOp,
  GcsOpener,
  GcsOutcome,
  GcsReader,
  ListOptions,
  ListResult,
  ObjectInfo,
  ReadOptions,
} from './gcs.types';
export {
  assertBucketName,
  bucketNameProblem,
  formatGcsPath,
  GcsPathError,
  objectNameProblem,
  parseGcsPath,
  type GcsPath,
} from './gcs-path.util';
export { GcsRequestError, GcsTimeoutError, TooLargeError, TruncatedBodyError, ChecksumMismatchError } from './gcs.errors';
export { createGcsMetrics, type GcsMetrics } from './gcs-metrics.util';
export { backoffDelayMs, classifyError, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.util';
export { collectListing, compareObjectNames, LIST_PAGE_SIZE } from './list-semantics.util';
export {
  DEFAULT_LIST_TIMEOUT_MS,
  DEFAULT_READ_TIMEOUT_MS,
  RealGcsClient,
  type GcsAuth,
  type RealGcsClientOptions,
} from './real-gcs.client';
export { LocalGcsClient, type LocalGcsClientOptions } from './local-gcs.client';
export { FakeGcsClient } from './fake-gcs.client';
export {
  createGcsReader,
  emulatorEndpoint,
  GcsConfigError,
  gcsOptionsFromEnv,
  type GcsBackendConfig,
  type GcsEnv,
} from './gcs-config.util';
export { NativeCrc32c, nativeCrc32cGenerator } from './fast-crc32c.util';
