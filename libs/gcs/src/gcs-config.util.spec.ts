import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcsReader, emulatorEndpoint, GcsConfigError, gcsOptionsFromEnv } from './gcs-config.util';
import { FakeGcsClient } from './fake-gcs.client';
import { collectListing } from './list-semantics.util';
import { LocalGcsClient } from './local-gcs.client';
import { RealGcsClient } from './real-gcs.client';

describe('emulatorEndpoint', () => {
  it.each([
    ['localhost:9023', 'http://localhost:9023'],
    ['127.0.0.1:9023/', 'http://127.0.0.1:9023'],
    ['http://localhost:9023', 'http://localhost:9023'],
    ['http://localhost:9023/storage/v1/', 'http://localhost:9023'],
    ['https://gcs.example.com', 'https://gcs.example.com'],
    [' [::1]:4443 ', 'http://[::1]:4443'],
  ])('%j -> %s', (value, endpoint) => {
    expect(emulatorEndpoint(value)).toBe(endpoint);
  });

  it.each([['ftp://host:1'], ['http://host:1/?x=1'], ['http://']])('rejects %j naming the setting', (value) => {
    expect(() => emulatorEndpoint(value)).toThrow(GcsConfigError);
    expect(() => emulatorEndpoint(value)).toThrow(/STORAGE_EMULATOR_HOST/);
  });
});

describe('gcsOptionsFromEnv', () => {
  it('uses the emulator anonymously, else GCS with credentials only when configured', () => {
    expect(gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: 'localhost:9023' })).toEqual({
      endpoint: 'http://localhost:9023',
      auth: 'anonymous',
    });
    expect(gcsOptionsFromEnv({})).toEqual({ auth: 'anonymous' });
    expect(gcsOptionsFromEnv({ STORAGE_EMULATOR_HOST: '  ', GOOGLE_APPLICATION_CREDENTIALS: '/k.json' })).toEqual({
      auth: 'default',
    });
  });
});

describe('createGcsReader', () => {
  it('picks the local mirror when a root is set', () => {
    const root = mkdtempSync(join(tmpdir(), 'kettle-gcs-root-'));
    try {
      expect(createGcsReader({ root })).toBeInstanceOf(LocalGcsClient);
      expect(createGcsReader({ endpoint: 'http://127.0.0.1:1' })).toBeInstanceOf(RealGcsClient);
    } finally {
      rmSync(root, { recursive: true });
    }
  });
});

describe('option checks', () => {
  it('refuses a cap or page size that would mean "no limit"', async () => {
    expect(() => new RealGcsClient({ pageSize: 0 })).toThrow(RangeError);
    expect(() => new RealGcsClient({ readTimeoutMs: 0 })).toThrow(/readTimeoutMs/);
    expect(() => new RealGcsClient({ retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
    const fake = new FakeGcsClient({ 'kubernetes-jenkins': { x: 'y' } });
    await expect(fake.read('kubernetes-jenkins', 'x', { maxBytes: NaN })).rejects.toThrow(RangeError);
  });
});

describe('FakeGcsClient', () => {
  it('serves objects with GCS semantics and injected errors', async () => {
    const fake = new FakeGcsClient({ 'kubernetes-jenkins': { 'logs/j/1/finished.json': '{}', 'logs/j/2/x': 'abc' } });
    expect(await collectListing(fake.list('kubernetes-jenkins', 'logs/j/', { delimiter: '/' }))).toEqual({
      items: [],
      prefixes: ['logs/j/1/', 'logs/j/2/'],
    });
    expect(String(await fake.read('kubernetes-jenkins', 'logs/j/2/x', { maxBytes: 3 }))).toBe('abc');
    await expect(fake.read('kubernetes-jenkins', 'logs/j/2/x', { maxBytes: 2 })).rejects.toThrow(/over the 2-byte cap/);
    expect(await fake.read('kubernetes-jenkins', 'missing', { maxBytes: 2 })).toBeNull();
    fake.failReads('kubernetes-jenkins', 'logs/j/2/x', new Error('boom'));
    await expect(fake.read('kubernetes-jenkins', 'logs/j/2/x', { maxBytes: 3 })).rejects.toThrow('boom');
    expect(fake.calls).toHaveLength(5);
  });
});
