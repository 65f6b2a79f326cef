import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ApiError, defaultFault, errorBody, invalid } from './api-error.util';
import { findRoute, type ApiRequest, type ApiResponse, type RouteContext } from './bigquery.routes';
import { BigQueryStore, type Table } from './bigquery.store';
import { isExactJsonObject, JsonSyntaxError, parseExactJson, stringifyExact, type ExactJsonObject } from './exact-json.util';
import { FaultController, parseFaults } from './faults.util';
import { LoadJobService } from './load-job.service';
import { Persistence } from './persistence.util';
import type { BigQueryServer, RequestRecord, ServerOptions, ServerStats } from './server.types';

/** BigQuery's request payload limit (insertAll and other JSON calls). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
// Uploads are not limited to 10 MB by BigQuery; this cap only protects the server.
const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
const LOG_SIZE = 10_000;

const emptyStats = (): ServerStats => ({
  requests: 0,
  byRoute: {},
  byStatus: {},
  faultsInjected: 0,
  rowsInserted: 0,
  rowsDeduplicated: 0,
  rowsRejected: 0,
  bytesReceived: 0,
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Start a BigQuery REST v2 server for tests and benchmarks; see README.md. */
export async function startBigQueryServer(options: ServerOptions = {}): Promise<BigQueryServer> {
  const store = new BigQueryStore();
  const faults = new FaultController(options.faults);
  const stats = emptyStats();
  let log: RequestRecord[] = [];
  const persistence = options.dataDir ? new Persistence(options.dataDir, store) : undefined;
  await persistence?.load();
  const changed = (): void => persistence?.schedule();
  const jobs = new LoadJobService(store, faults, stats, changed);
  const ctx: RouteContext = { store, faults, stats, jobs, dedupeWindowMs: options.dedupeWindowMs ?? 60_000 };
  const maxRequestBytes = options.maxRequestBytes ?? MAX_REQUEST_BYTES;

  const send = (res: ServerResponse, record: RequestRecord | undefined, status: number, body?: object): void => {
    if (record) {
      record.status = status;
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    }
    if (status === 204 || body === undefined) {
      res.writeHead(status).end();
      return;
    }
    const text = stringifyExact(body as ExactJsonObject);
    // Exactly this content type: teeny-request decodes upload responses as JSON only when it matches.
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const body = await readBody(req, MAX_REQUEST_BYTES);
    if (pathname === '/_admin/stats' && req.method === 'GET') return send(res, undefined, 200, stats);
    if (pathname === '/_admin/reset' && req.method === 'POST') {
      handle.reset();
      return send(res, undefined, 204);
    }
    if (pathname === '/_admin/faults' && req.method === 'PUT') {
      try {
        faults.set(parseFaults(JSON.parse(body.toString('utf8') || '{}')));
      } catch (e) {
        return send(res, undefined, 400, errorBody(400, 'invalid', (e as Error).message));
      }
      return send(res, undefined, 204);
    }
    send(res, undefined, 404, errorBody(404, 'notFound', `Not found: ${pathname}`));
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const found = findRoute(method, url.pathname);
    const name = 'route' in found ? found.route.name : found.name;
    const record: RequestRecord = { method, path: url.pathname + url.search, route: name, status: 0 };
    stats.requests++;
    stats.byRoute[name] = (stats.byRoute[name] ?? 0) + 1;
    log.push(record);
    if (log.length > LOG_SIZE) log = log.slice(-LOG_SIZE / 2);

    const latency = faults.latencyMs();
    if (latency > 0) await sleep(latency);
    const fault = faults.take(method, url.pathname);
    if (fault) {
      stats.faultsInjected++;
      record.fault = fault.kind;
    }
    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        // Read the body so the client sees its request sent and waits for an answer.
        req.resume();
        return;
      case 'status': {
        req.resume();
        await new Promise((resolve) => req.once('end', resolve).once('close', resolve));
        const d = defaultFault(fault.status);
        return send(res, record, fault.status, errorBody(fault.status, fault.reason ?? d.reason, fault.message ?? d.message));
      }
      case 'latency':
        await sleep(fault.ms);
        break;
      case 'drop-response':
      case undefined:
        break;
    }

    let response: ApiResponse;
    try {
      const isJson = 'route' in found ? found.route.json : true;
      const raw = await readBody(req, isJson ? maxRequestBytes : MAX_UPLOAD_BYTES);
      stats.bytesReceived += raw.length;
      if (!('route' in found)) throw found.error;
      const apiReq: ApiRequest = {
        method,
        params: found.params,
        query: url.searchParams,
        raw,
        json: isJson ? parseJsonBody(raw) : {},
        contentType: req.headers['content-type'],
      };
      response = found.route.handle(ctx, apiReq);
      if (response.changed) changed();
    } catch (e) {
      if (e instanceof ApiError) response = { status: e.code, body: e.body() };
      else {
        console.error('bigquery-server: internal error:', e);
        response = { status: 500, body: errorBody(500, 'internalError', `bigquery-server internal error: ${String(e)}`) };
      }
    }
    if (fault?.kind === 'drop-response') {
      // The change is made, the answer is lost: what a timeout after commit looks like to the client.
      req.socket.destroy();
      return;
    }
    send(res, record, response.status, response.body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const work = url.pathname.startsWith('/_admin/') ? handleAdmin(req, res, url.pathname) : handleApi(req, res, url);
    work.catch((e: unknown) => {
      // Only a broken connection gets here (reading the body failed); nothing can be answered.
      if (!res.headersSent && !res.destroyed) send(res, undefined, 500, errorBody(500, 'internalError', String(e)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';

  const tableOf = (ref: string): Table | undefined => {
    const { projectId, datasetId, tableId } = parseRef(ref, true);
    for (const ds of store.datasets.values()) {
      if (ds.datasetId !== datasetId || (projectId !== undefined && ds.projectId !== projectId)) continue;
      const t = ds.tables.get(tableId);
      if (t) return t;
    }
    return undefined;
  };

  const handle: BigQueryServer = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      jobs.clear();
      await persistence?.flush();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hung requests and idle keep-alive sockets would keep close() waiting for ever.
        server.closeAllConnections();
      });
    },
    setFaults: (f) => faults.set(f),
    addFaultRule: (rule) => faults.addRule(rule),
    datasets: () => [...store.datasets.values()].map((ds) => `${ds.projectId}:${ds.datasetId}`),
    tables: (datasetRef) => {
      const { projectId, datasetId } = parseRef(datasetRef, false);
      return [...store.datasets.values()]
        .filter((ds) => ds.datasetId === datasetId && (projectId === undefined || ds.projectId === projectId))
        .flatMap((ds) => [...ds.tables.keys()]);
    },
    table: (ref) => {
      const t = tableOf(ref);
      return t && store.tableInfo(t);
    },
    rows: (ref) => structuredClone(tableOf(ref)?.rows ?? []),
    jobs: () => jobs.infos(),
    stats: () => structuredClone(stats),
    requests: () => log.map((r) => ({ ...r })),
    reset() {
      store.datasets.clear();
      jobs.clear();
      faults.set({});
      // Counters are mutated in place because the job service and routes hold the object.
      Object.assign(stats, emptyStats());
      stats.byRoute = {};
      stats.byStatus = {};
      log = [];
      changed();
    },
  };
  return handle;
}

/** `project:dataset.table`, `project.dataset.table` or `dataset.table` (and the same without table). */
function parseRef(ref: string, withTable: boolean): { projectId?: string; datasetId: string; tableId: string } {
  const parts = ref.replace(':', '.').split('.');
  const need = withTable ? 2 : 1;
  if (parts.length !== need && parts.length !== need + 1) throw new Error(`bad table reference "${ref}"`);
  const [a, b, c] = parts as [string, string?, string?];
  if (withTable) return parts.length === 3 ? { projectId: a, datasetId: b!, tableId: c! } : { datasetId: a, tableId: b! };
  return parts.length === 2 ? { projectId: a, datasetId: b!, tableId: '' } : { datasetId: a, tableId: '' };
}

function parseJsonBody(raw: Buffer): ExactJsonObject {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value = parseExactJson(text);
    if (!isExactJsonObject(value)) throw invalid('Invalid JSON payload received. Expected an object.');
    return value;
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw invalid(`Invalid JSON payload received. ${e.message}.`);
    throw e;
  }
}

/**
 * The request body, read to the end even when it is too large: answering
 * before the client has sent everything makes it see a broken pipe instead of
 * BigQuery's 400. `limit` applies to the bytes as sent and, for a gzip body,
 * to the bytes after decompression.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= limit) chunks.push(buf);
  }
  const tooLarge = (): ApiError => new ApiError(400, 'badRequest', `Request payload size exceeds the limit: ${limit} bytes.`);
  if (size > limit) throw tooLarge();
  const body = Buffer.concat(chunks, size);
  if (req.headers['content-encoding'] === 'gzip') {
    try {
      return gunzipSync(body, { maxOutputLength: limit });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
      throw invalid(`Bad gzip request body: ${(e as Error).message}`);
    }
  }
  return body;
}
