// The bridge between the app's config layer (which alone reads process.env)
// and the clients: plain values in, typed options out, errors that name the
// setting.

import type { Registry } from 'prom-client';
import type { GcsReader } from './gcs.types';
import { LocalGcsClient } from './local-gcs.client';
import { RealGcsClient, type GcsAuth, type RealGcsClientOptions } from './real-gcs.client';

/** The environment variables the GCS clients care about, as given by the app. */
export type GcsEnv = {
  STORAGE_EMULATOR_HOST?: string;
  GOOGLE_APPLICATION_CREDENTIALS?: string;
};

export class GcsConfigError extends Error {
  override readonly name = 'GcsConfigError';
}

/**
 * Turns STORAGE_EMULATOR_HOST ("localhost:9023", "http://host:9023" or with
 * a trailing "/storage/v1") into an endpoint URL. Emulators speak plain
 * HTTP, so a bare host:port gets http:// (the client itself would assume
 * https).
 */
export function emulatorEndpoint(value: string, setting = 'STORAGE_EMULATOR_HOST'): string {
  const trimmed = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new GcsConfigError(`${setting}=${JSON.stringify(value)} is not a host:port or URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GcsConfigError(`${setting}=${JSON.stringify(value)} must be http or https`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new GcsConfigError(`${setting}=${JSON.stringify(value)} must not have a query or fragment`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Client options implied by the environment: the emulator endpoint when
 * STORAGE_EMULATOR_HOST is set (anonymous: emulators take no tokens);
 * otherwise real GCS, with default credentials only when
 * GOOGLE_APPLICATION_CREDENTIALS names a key (the CI buckets are public).
 */
export function gcsOptionsFromEnv(env: GcsEnv): Pick<RealGcsClientOptions, 'endpoint' | 'auth'> {
  const host = env.STORAGE_EMULATOR_HOST?.trim();
  if (host) return { endpoint: emulatorEndpoint(host), auth: 'anonymous' };
  const auth: GcsAuth = env.GOOGLE_APPLICATION_CREDENTIALS?.trim() ? 'default' : 'anonymous';
  return { auth };
}

export type GcsBackendConfig = RealGcsClientOptions & {
  /** `--gcs-root` / KETTLE_GCS_ROOT: read a local mirror instead of GCS. */
  root?: string;
  registry?: Registry;
};

/** The local mirror when a root is configured, else the real client. */
export function createGcsReader(config: GcsBackendConfig): GcsReader {
  if (config.root !== undefined && config.root !== '') {
    return new LocalGcsClient({ root: config.root, pageSize: config.pageSize, registry: config.registry });
  }
  return new RealGcsClient(config);
}
