import { ApiError, invalid } from './api-error.util';
import type { ExactJsonObject } from './exact-json.util';
import { insertAll, type InsertAllContext } from './insert-all.util';
import type { LoadJobService } from './load-job.service';
import { timestampFormat, wireRow } from './row-format.util';

export type RouteContext = InsertAllContext & { jobs: LoadJobService };

export type ApiRequest = {
  method: string;
  params: string[];
  query: URLSearchParams;
  /** Raw body bytes (uploads) and the parsed JSON body (other calls; `{}` when empty). */
  raw: Buffer;
  json: ExactJsonObject;
  contentType: string | undefined;
};

export type ApiResponse = { status: number; body?: ExactJsonObject; changed?: boolean };

type Handler = (ctx: RouteContext, req: ApiRequest) => ApiResponse;
type Route = { name: string; method: string; pattern: RegExp; handle: Handler; json: boolean };

const P = '/bigquery/v2/projects/([^/]+)';
const DS = `${P}/datasets/([^/]+)`;
const TB = `${DS}/tables/([^/]+)`;

const ok = (body: ExactJsonObject, changed = false): ApiResponse => ({ status: 200, body, changed });

const route = (name: string, method: string, path: string, handle: Handler, json = true): Route => ({
  name,
  method,
  pattern: new RegExp(`^${path}$`),
  handle,
  json,
});

/** The REST v2 subset the loader, the CLI and the client's helpers call. */
const ROUTES: Route[] = [
  route('datasets.list', 'GET', `${P}/datasets`, (ctx, { params: [p] }) =>
    ok({
      kind: 'bigquery#datasetList',
      etag: '',
      datasets: [...ctx.store.datasets.values()]
        .filter((ds) => ds.projectId === p)
        .map((ds) => ctx.store.datasetResource(ds)),
    }),
  ),
  route('datasets.insert', 'POST', `${P}/datasets`, (ctx, { params: [p], json }) =>
    ok(ctx.store.datasetResource(ctx.store.insertDataset(p, json)), true),
  ),
  route('datasets.get', 'GET', DS, (ctx, { params: [p, d] }) => ok(ctx.store.datasetResource(ctx.store.dataset(p, d)))),
  route('datasets.delete', 'DELETE', DS, (ctx, { params: [p, d], query }) => {
    ctx.store.deleteDataset(p, d, query.get('deleteContents') === 'true');
    return { status: 204, changed: true };
  }),
  route('tables.list', 'GET', `${DS}/tables`, (ctx, { params: [p, d], query }) => {
    const tables = [...ctx.store.dataset(p, d).tables.values()];
    const { start, end, next } = page(query, tables.length, 50);
    return ok({
      kind: 'bigquery#tableList',
      etag: '',
      tables: tables.slice(start, end).map((t) => {
        const r = ctx.store.tableResource(t);
        return { kind: r.kind!, id: r.id!, tableReference: r.tableReference!, type: 'TABLE', creationTime: r.creationTime!, ...(r.timePartitioning ? { timePartitioning: r.timePartitioning } : {}) };
      }),
      totalItems: tables.length,
      ...(next ? { nextPageToken: next } : {}),
    });
  }),
  route('tables.insert', 'POST', `${DS}/tables`, (ctx, { params: [p, d], json }) =>
    ok(ctx.store.tableResource(ctx.store.insertTable(p, d, json)), true),
  ),
  route('tables.get', 'GET', TB, (ctx, { params: [p, d, t] }) => ok(ctx.store.tableResource(ctx.store.table(p, d, t)))),
  route('tables.patch', 'PATCH', TB, (ctx, { params: [p, d, t], json }) =>
    ok(ctx.store.tableResource(ctx.store.patchTable(ctx.store.table(p, d, t), json, false)), true),
  ),
  route('tables.update', 'PUT', TB, (ctx, { params: [p, d, t], json }) =>
    ok(ctx.store.tableResource(ctx.store.patchTable(ctx.store.table(p, d, t), json, true)), true),
  ),
  route('tables.delete', 'DELETE', TB, (ctx, { params: [p, d, t] }) => {
    ctx.store.deleteTable(p, d, t);
    return { status: 204, changed: true };
  }),
  route('tabledata.insertAll', 'POST', `${TB}/insertAll`, (ctx, { params: [p, d, t], json }) =>
    ok(insertAll(ctx, ctx.store.table(p, d, t), json), true),
  ),
  route('tabledata.list', 'GET', `${TB}/data`, (ctx, { params: [p, d, t], query }) => {
    const table = ctx.store.table(p, d, t);
    const selected = query.get('selectedFields')?.split(',').map((s) => s.trim().toLowerCase());
    const fields = selected ? table.fields.filter((f) => selected.includes(f.name.toLowerCase())) : table.fields;
    const ts = timestampFormat(query);
    const { start, end, next } = page(query, table.rows.length, 10_000);
    const rows = table.rows.slice(start, end).map((r) => wireRow(fields, r, ts));
    return ok({
      kind: 'bigquery#tableDataList',
      etag: Buffer.from(String(table.lastModifiedTime)).toString('base64'),
      totalRows: String(table.rows.length),
      ...(rows.length ? { rows } : {}),
      ...(next ? { pageToken: next } : {}),
    });
  }),
  route('jobs.list', 'GET', `${P}/jobs`, (ctx, { params: [p] }) => ok(ctx.jobs.list(p))),
  route('jobs.insert', 'POST', `${P}/jobs`, (ctx, { params: [p], json }) => ok(ctx.jobs.insert(p, json), true)),
  route('jobs.get', 'GET', `${P}/jobs/([^/]+)`, (ctx, { params: [p, j], query }) => ok(ctx.jobs.get(p, j, query.get('location')), true)),
  route('jobs.cancel', 'POST', `${P}/jobs/([^/]+)/cancel`, (ctx, { params: [p, j], query }) =>
    ok(ctx.jobs.cancel(p, j, query.get('location')), true),
  ),
  route(
    'jobs.upload',
    'POST',
    '/upload/bigquery/v2/projects/([^/]+)/jobs',
    (ctx, { params: [p], query, raw, contentType }) => {
      const type = query.get('uploadType') ?? 'multipart';
      // The Node client (common/util.makeWritableStream) always sends multipart.
      if (type !== 'multipart') throw new ApiError(501, 'notImplemented', `uploadType=${type} is not supported by bigquery-server; use multipart.`);
      return ok(ctx.jobs.upload(p, contentType, raw), true);
    },
    false,
  ),
];

/** The route for a request, with its decoded path parameters; `unknown` routes answer 404/405. */
export function findRoute(method: string, pathname: string): { route: Route; params: string[] } | { name: string; error: ApiError } {
  let pathMatched = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    try {
      return { route: r, params: m.slice(1).map((s) => decodeURIComponent(s)) };
    } catch {
      return { name: r.name, error: invalid('Malformed path.') };
    }
  }
  return pathMatched
    ? { name: 'unknown', error: new ApiError(405, 'badRequest', `Method ${method} is not allowed on ${pathname}.`) }
    : { name: 'unknown', error: new ApiError(404, 'notFound', `Not found: URL ${pathname} (not implemented by bigquery-server)`) };
}

/** maxResults/pageToken paging; page tokens are opaque offsets. */
function page(query: URLSearchParams, total: number, defaultMax: number): { start: number; end: number; next?: string } {
  const max = query.has('maxResults') ? Number(query.get('maxResults')) : defaultMax;
  if (!Number.isInteger(max) || max < 0) throw invalid(`Invalid value for maxResults: ${query.get('maxResults')}`);
  let start = query.has('startIndex') ? Number(query.get('startIndex')) : 0;
  const token = query.get('pageToken');
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw invalid('Invalid page token.');
  }
  const end = Math.min(total, start + (max === 0 ? defaultMax : max));
  return end < total ? { start, end, next: Buffer.from(String(end)).toString('base64url') } : { start, end };
}

