// `kettle collect` alone: the backfill without the streaming service
// (NestJS, Pub/Sub), whose modules would add ~40 MB to its peak RSS.
export { Collector, DEFAULT_COLLECT_OPTIONS, type CollectOptions } from './collector';
