import type { BuildRow } from './row.types';
import { isJsonObject } from './build-json.types';

/** Topic `kettle-builds`: the build is in SQLite with its finished.json and JUnit. */
export type BuildMessage = { path: string };
/** Topic `kettle-rows`: one BigQuery row. */
export type RowMessage = { path: string; row: BuildRow };

export type GcsEventType = 'OBJECT_FINALIZE' | 'OBJECT_DELETE' | 'OBJECT_METADATA_UPDATE' | 'OBJECT_ARCHIVE';
/** Attributes of a GCS notification in format JSON_API_V1. */
export type GcsNotificationAttributes = {
  eventType: string;
  bucketId: string;
  objectId: string;
  objectGeneration?: string;
  payloadFormat?: string;
};

export const DEFAULT_TOPICS = Object.freeze({
  builds: 'kettle-builds',
  buildsSubscription: 'kettle-transformer',
  rows: 'kettle-rows',
  rowsSubscription: 'kettle-loader',
});

const GCS_BUILD_PATH = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]\/[^\0]+[^/]$/;

/** A build folder path, `gs://bucket/obj/path` without a trailing slash. */
export function isBuildPath(value: unknown): value is string {
  return typeof value === 'string' && GCS_BUILD_PATH.test(value) && !value.includes('//', 5);
}

/** A contract check: returns the typed message or a reason it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseBuildMessage(data: unknown): Parsed<BuildMessage> {
  if (!isJsonObject(data)) return { ok: false, reason: 'message is not a JSON object' };
  if (!isBuildPath(data.path)) return { ok: false, reason: 'path is not a gs:// build path' };
  return { ok: true, value: { path: data.path } };
}

export function parseRowMessage(data: unknown): Parsed<RowMessage> {
  if (!isJsonObject(data)) return { ok: false, reason: 'message is not a JSON object' };
  if (!isBuildPath(data.path)) return { ok: false, reason: 'path is not a gs:// build path' };
  const row = data.row;
  if (!isJsonObject(row)) return { ok: false, reason: 'row is not a JSON object' };
  if (row.path !== data.path) return { ok: false, reason: 'row.path differs from path' };
  if (!Array.isArray(row.test)) return { ok: false, reason: 'row.test is not an array' };
  if (typeof row.tests_run !== 'number' || typeof row.tests_failed !== 'number') {
    return { ok: false, reason: 'row.tests_run/tests_failed are not numbers' };
  }
  return { ok: true, value: { path: data.path, row: row as unknown as BuildRow } };
}
