export {
  startGcsServer,
  type GcsServer,
  type GcsServerOptions,
  type RequestFilter,
  type RequestRecord,
} from './gcs-server';
export type { FaultEffect, FaultRule, Faults, ServerOp } from './faults.util';
export { hashes } from './object-source.util';
