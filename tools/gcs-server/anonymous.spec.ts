// The anonymous client must not look for credentials: off GCP that means
// probing the GCE metadata server, seconds per process. The auth library
// reads GCE_METADATA_HOST, so a counting server stands in for the metadata
// server. Own file: the library caches its probe per module instance.

import { RealGcsClient } from '@kettle/gcs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGcsServer, type GcsServer } from './gcs-server';

const ENV_KEYS = ['GCE_METADATA_HOST', 'GOOGLE_APPLICATION_CREDENTIALS', 'METADATA_SERVER_DETECTION'] as const;

describe('anonymous access', () => {
  let gcs: GcsServer;
  let metadata: Server;
  let metadataHits: string[];
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

  beforeAll(async () => {
    gcs = await startGcsServer({ objects: { 'kubernetes-jenkins': { 'logs/x.txt': 'public' } } });
    metadataHits = [];
    metadata = createServer((req, res) => {
      metadataHits.push(req.url ?? '');
      res.writeHead(404).end(); // not GCE: no Metadata-Flavor header
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    for (const key of ENV_KEYS) saved[key] = process.env[key];
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.METADATA_SERVER_DETECTION;
    process.env.GCE_METADATA_HOST = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await gcs.close();
    await new Promise((resolve) => metadata.close(resolve));
  });

  it('reads a public object without contacting the metadata server', async () => {
    const client = new RealGcsClient({ endpoint: gcs.url, auth: 'anonymous' });
    expect(String(await client.read('kubernetes-jenkins', 'logs/x.txt', { maxBytes: 100 }))).toBe('public');
    expect(metadataHits).toEqual([]);
  });

  it('(control) the default-credentials client does probe it, so the check above is real', async () => {
    const client = new RealGcsClient({ endpoint: gcs.url, auth: 'default', projectId: 'p' });
    // Either outcome is fine here: without credentials the library may
    // proceed unauthenticated or fail; what matters is that it asked.
    await client.read('kubernetes-jenkins', 'logs/x.txt', { maxBytes: 100 }).catch(() => null);
    expect(metadataHits.length).toBeGreaterThan(0);
  });
});
