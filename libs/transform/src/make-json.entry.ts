// `kettle make-json` alone: the row pipeline without the streaming service
// (NestJS, Pub/Sub), whose modules would add ~50 MB to its peak RSS.
export { makeJson, oldestEmittedIsOlderThan, SCRATCH_EMITTED_TABLE, type MakeJsonOptions, type MakeJsonProgress, type MakeJsonResult } from './make-json';
export { openNdjsonOutput, type NdjsonOutput } from './ndjson-output';
