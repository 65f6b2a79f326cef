// A local server for the subset of the GCS JSON API Kettle uses, so tests
// and benchmarks run the real @google-cloud/storage client over real
// sockets. Paths are served with and without the /storage/v1 prefix: with
// STORAGE_EMULATOR_HOST the Node client drops it.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, type FaultEffect, type FaultRule, type Faults, type ServerOp } from './faults.util';
import { BadPageTokenError, listPage, MAX_RESULTS } from './list-page.util';
import { BadNameError, FolderSource, MemorySource, type ObjectMeta, type ObjectSource } from './object-source.util';

export type GcsServerOptions = {
  /** Serve ROOT/<bucket>/<object>. */
  root?: string;
  /** Or serve these objects: bucket -> name -> content. */
  objects?: Record<string, Record<string, string | Uint8Array>>;
  faults?: Faults;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * With `root`: hash every object before listening. GCS computes an
   * object's crc32c and md5 when it is written, not on each read; a
   * benchmark's first full walk should measure serving, not hashing.
   */
  hashOnStart?: boolean;
};

export type RequestRecord = {
  op: ServerOp;
  bucket: string;
  /** Object name, or the prefix for a listing. */
  name: string;
  /** The raw request path, e.g. to see whether /storage/v1 was used. */
  path: string;
  /** Status sent, or 'hang' / 'reset' when none was. */
  result: number | 'hang' | 'reset' | 'corrupt';
  fault?: FaultEffect['kind'];
};

export type RequestFilter = { op?: ServerOp; match?: RegExp | string };

export type GcsServer = {
  /** http://127.0.0.1:PORT: the `endpoint` / apiEndpoint for clients. */
  url: string;
  /** 127.0.0.1:PORT, e.g. for STORAGE_EMULATOR_HOST. */
  host: string;
  port: number;
  /** Replaces all faults (and the latency). */
  setFaults(faults: Faults): void;
  addFault(rule: FaultRule): void;
  /** Every routed request, in arrival order. */
  readonly requests: readonly RequestRecord[];
  /** Requests whose op and "bucket/name" match. */
  countRequests(filter?: RequestFilter): number;
  /** Requests per "op bucket/name", e.g. { 'media b/logs/x.json': 2 }. */
  requestCounts(): Record<string, number>;
  resetRequests(): void;
  /** Creates or replaces an object (a file in folder mode). */
  putObject(bucket: string, name: string, data: string | Uint8Array): Promise<void>;
  /** Stops listening and drops open connections, hanging ones included. */
  close(): Promise<void>;
};

type Route = { op: ServerOp; bucket: string; name: string };

const LIST_PATH = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/?$/;
const OBJECT_PATH = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;
const DOWNLOAD_PATH = /^\/download\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/;
const UNSUPPORTED_LIST_PARAMS = ['startOffset', 'endOffset', 'matchGlob', 'versions', 'includeTrailingDelimiter', 'softDeleted'];

export async function startGcsServer(options: GcsServerOptions = {}): Promise<GcsServer> {
  if ((options.root === undefined) === (options.objects === undefined)) {
    throw new Error('startGcsServer: give exactly one of `root` or `objects`');
  }
  const folder = options.root !== undefined ? new FolderSource(options.root) : undefined;
  if (folder !== undefined && options.hashOnStart) await folder.hashAll();
  const source: ObjectSource = folder ?? new MemorySource(options.objects);
  const plan = new FaultPlan(options.faults);
  const requests: RequestRecord[] = [];

  const server = createServer((req, res) => {
    handle(req, res, source, plan, requests).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, `internal error: ${String(err)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = `${address.includes(':') ? `[${address}]` : address}:${port}`;

  return {
    url: `http://${host}`,
    host,
    port,
    setFaults: (faults) => plan.set(faults),
    addFault: (rule) => plan.add(rule),
    requests,
    countRequests: (filter = {}) => requests.filter((r) => recordMatches(r, filter)).length,
    requestCounts: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) {
        const key = `${r.op} ${r.bucket}/${r.name}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    resetRequests: () => {
      requests.length = 0;
    },
    putObject: (bucket, name, data) => source.put(bucket, name, data),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function recordMatches(record: RequestRecord, filter: RequestFilter): boolean {
  if (filter.op !== undefined && record.op !== filter.op) return false;
  if (filter.match === undefined) return true;
  const re = typeof filter.match === 'string' ? new RegExp(filter.match) : filter.match;
  re.lastIndex = 0;
  return re.test(`${record.bucket}/${record.name}`);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  source: ObjectSource,
  plan: FaultPlan,
  requests: RequestRecord[],
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let route: Route | undefined;
  try {
    route = routeOf(url);
  } catch {
    sendError(res, 400, 'malformed percent-encoding in the path');
    return;
  }
  if (route === undefined) {
    sendError(res, 404, `no such API path: ${url.pathname}`);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, `${req.method ?? '?'} is not supported by this test server`);
    return;
  }
  const record: RequestRecord = { op: route.op, bucket: route.bucket, name: route.name, path: url.pathname, result: 0 };
  requests.push(record);
  const decision = plan.decide(route.op, `${route.bucket}/${route.name}`);
  if (decision.delayMs > 0) await sleep(decision.delayMs);
  if (res.destroyed) return;
  const effect = decision.effect;
  if (effect !== undefined) record.fault = effect.kind;
  switch (effect?.kind) {
    case 'hang':
      record.result = 'hang';
      return; // never answer; close() drops the connection
    case 'reset':
      record.result = 'reset';
      req.socket.destroy();
      return;
    case 'status':
      record.result = effect.status;
      sendError(res, effect.status, `injected fault: ${effect.status}`);
      return;
    case 'truncate':
    case 'corrupt':
    case undefined:
      break;
  }
  const truncate = effect?.kind === 'truncate' ? effect : undefined;
  try {
    const reply = await answer(route, url, source);
    record.result = reply.status;
    if (effect?.kind === 'corrupt' && reply.body.length > 0) {
      reply.body = Buffer.from(reply.body);
      reply.body[reply.body.length >> 1] ^= 0x01;
      record.result = 'corrupt';
    }
    send(res, reply, req.method === 'HEAD', truncate);
  } catch (err) {
    if (err instanceof BadNameError || err instanceof BadPageTokenError) {
      record.result = 400;
      sendError(res, 400, err.message);
      return;
    }
    throw err;
  }
}

function routeOf(url: URL): Route | undefined {
  const path = url.pathname;
  const media = url.searchParams.get('alt') === 'media';
  let m = LIST_PATH.exec(path);
  if (m) return { op: 'list', bucket: decodeURIComponent(m[1]), name: url.searchParams.get('prefix') ?? '' };
  m = DOWNLOAD_PATH.exec(path);
  if (m) return { op: 'media', bucket: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
  m = OBJECT_PATH.exec(path);
  if (m) return { op: media ? 'media' : 'get', bucket: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
  return undefined;
}

type Reply = { status: number; headers: Record<string, string>; body: Buffer };

async function answer(route: Route, url: URL, source: ObjectSource): Promise<Reply> {
  const { bucket, name } = route;
  if (!(await source.hasBucket(bucket))) return errorReply(404, 'The specified bucket does not exist.');
  if (route.op === 'list') {
    const q = url.searchParams;
    // Parameters that change the result: refuse rather than silently ignore.
    for (const param of UNSUPPORTED_LIST_PARAMS) {
      const value = q.get(param);
      if (value !== null && value !== '' && value !== 'false') {
        return errorReply(400, `objects.list parameter ${param} is not supported by this test server`);
      }
    }
    const maxText = q.get('maxResults');
    const max = maxText === null ? MAX_RESULTS : Number(maxText);
    if (!Number.isInteger(max) || max < 1) return errorReply(400, `invalid maxResults ${JSON.stringify(maxText)}`);
    const prefix = q.get('prefix') ?? '';
    const page = listPage(
      await source.names(bucket, prefix),
      prefix,
      q.get('delimiter') ?? '',
      Math.min(max, MAX_RESULTS),
      q.get('pageToken') || undefined,
    );
    const items = await Promise.all(page.items.map((n) => source.meta(bucket, n)));
    const json: Record<string, unknown> = { kind: 'storage#objects' };
    if (page.nextPageToken !== undefined) json.nextPageToken = page.nextPageToken;
    if (page.prefixes.length > 0) json.prefixes = page.prefixes;
    const present = items.filter((m): m is ObjectMeta => m !== null); // deleted while listing
    if (present.length > 0) json.items = present.map((m) => resource(bucket, m));
    return jsonReply(200, json);
  }
  if (route.op === 'get') {
    const meta = await source.body(bucket, name);
    if (meta === null) return errorReply(404, `No such object: ${bucket}/${name}`);
    return jsonReply(200, { ...resource(bucket, meta), crc32c: meta.crc32c, md5Hash: meta.md5 });
  }
  const obj = await source.body(bucket, name);
  if (obj === null) return errorReply(404, `No such object: ${bucket}/${name}`);
  return {
    status: 200,
    headers: {
      'content-type': contentType(name),
      'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5}`,
      // The Node client validates the CRC32C only when it sees this header.
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(obj.size),
      'x-goog-generation': obj.generation,
      'x-goog-metageneration': '1',
      etag: `"${obj.md5}"`,
      'last-modified': obj.updated.toUTCString(),
    },
    body: obj.data,
  };
}

/** The object resource of objects.list / objects.get (hashes only on get). */
function resource(bucket: string, m: ObjectMeta): Record<string, string> {
  const path = `b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(m.name)}`;
  return {
    kind: 'storage#object',
    id: `${bucket}/${m.name}/${m.generation}`,
    selfLink: `/storage/v1/${path}`,
    mediaLink: `/download/storage/v1/${path}?generation=${m.generation}&alt=media`,
    name: m.name,
    bucket,
    generation: m.generation,
    metageneration: '1',
    contentType: contentType(m.name),
    storageClass: 'STANDARD',
    size: String(m.size),
    timeCreated: m.updated.toISOString(),
    updated: m.updated.toISOString(),
  };
}

function contentType(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.xml')) return 'application/xml';
  if (name.endsWith('.txt') || name.endsWith('.log')) return 'text/plain';
  return 'application/octet-stream';
}

function jsonReply(status: number, json: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: Buffer.from(JSON.stringify(json)) };
}

function errorReply(status: number, message: string): Reply {
  const reason = status === 404 ? 'notFound' : status === 429 ? 'rateLimitExceeded' : status >= 500 ? 'backendError' : 'invalid';
  return jsonReply(status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });
}

function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, errorReply(status, message), false, undefined);
}

function send(
  res: ServerResponse,
  reply: Reply,
  headOnly: boolean,
  truncate: Extract<FaultEffect, { kind: 'truncate' }> | undefined,
): void {
  if (res.destroyed) return;
  const full = reply.body.length;
  const cut = truncate === undefined ? full : Math.floor(full * (truncate.fraction ?? 0.5));
  const announced = truncate?.mode === 'short' ? cut : full;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(announced) });
  if (headOnly) {
    res.end();
    return;
  }
  if (truncate === undefined || truncate.mode === 'short') {
    res.end(reply.body.subarray(0, announced));
    return;
  }
  // 'close': promise the whole body, send part of it, cut the connection.
  res.write(reply.body.subarray(0, cut), () => res.destroy());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
