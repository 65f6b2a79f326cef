import { Registry } from 'prom-client';
import { GcsRequestError, GcsTimeoutError, TooLargeError, TruncatedBodyError, ChecksumMismatchError } from './gcs.errors';
import { createGcsMetrics } from './gcs-metrics.util';
import type { GcsOutcome } from './gcs.types';
import { backoffDelayMs, classifyError, withRetries, type RetryContext } from './retry.util';

const withCode = (code: number | string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  it.each<[string, unknown, GcsOutcome, boolean]>([
    ['429', withCode(429), 'throttled', true],
    ['500', withCode(500), 'server_error', true],
    ['503', withCode(503), 'server_error', true],
    ['404', withCode(404), 'not_found', false],
    ['403', withCode(403), 'client_error', false],
    ['400', withCode(400), 'client_error', false],
    ['408', withCode(408), 'client_error', false],
    ['ECONNRESET', withCode('ECONNRESET'), 'network_error', true],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), 'network_error', true],
    ['socket hang up', new Error('socket hang up'), 'network_error', true],
    ['checksum', withCode('CONTENT_DOWNLOAD_MISMATCH'), 'corrupt', true],
    ['truncated', new TruncatedBodyError('gs://b/o', 10, 5), 'corrupt', true],
    ['crc32c mismatch', new ChecksumMismatchError('gs://b/o', 'AAAAAA==', 'AAAAAQ=='), 'corrupt', true],
    ['our timeout', new GcsTimeoutError('read', 'gs://b/o', 5), 'timeout', true],
    ['too large', new TooLargeError('gs://b/o', 1), 'too_large', false],
    ['a bug', new TypeError('x is undefined'), 'invalid', false],
    ['abort', new DOMException('stop', 'AbortError'), 'aborted', false],
  ])('%s', (_name, err, outcome, retryable) => {
    expect(classifyError(err)).toMatchObject({ outcome, retryable });
  });
});

describe('backoffDelayMs', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };

  it('is full jitter under an exponential cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('withRetries', () => {
  const context = (registry: Registry, signal?: AbortSignal): RetryContext => ({
    op: 'read',
    target: 'gs://bucket/o',
    policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    metrics: createGcsMetrics(registry),
    random: () => 0.5,
    signal,
  });

  async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = await registry.getSingleMetric(name)?.get();
    return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  }

  it('retries transient failures and counts each attempt', async () => {
    const registry = new Registry();
    const failures = [withCode(503), withCode(429)];
    const result = await withRetries(context(registry), () => {
      const err = failures.shift();
      return err ? Promise.reject(err) : Promise.resolve({ value: 'ok', outcome: 'ok' as const });
    });
    expect(result).toBe('ok');
    expect(await value(registry, 'kettle_gcs_requests_total', { outcome: 'server_error' })).toBe(1);
    expect(await value(registry, 'kettle_gcs_requests_total', { outcome: 'throttled' })).toBe(1);
    expect(await value(registry, 'kettle_gcs_requests_total', { outcome: 'ok' })).toBe(1);
    expect(await value(registry, 'kettle_gcs_retries_total', { op: 'read' })).toBe(2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const registry = new Registry();
    const attempt = jest.fn(() => Promise.reject(withCode(503, 'busy')));
    const err: unknown = await withRetries(context(registry), attempt).catch((e: unknown) => e);
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(err).toBeInstanceOf(GcsRequestError);
    expect(err).toMatchObject({ outcome: 'server_error', status: 503, attempts: 3, target: 'gs://bucket/o' });
    expect((err as Error).message).toMatch(/busy/);
  });

  it('does not retry a 403 and passes TooLargeError through', async () => {
    const registry = new Registry();
    const forbidden = jest.fn(() => Promise.reject(withCode(403)));
    await expect(withRetries(context(registry), forbidden)).rejects.toMatchObject({ outcome: 'client_error', attempts: 1 });
    expect(forbidden).toHaveBeenCalledTimes(1);
    const big = new TooLargeError('gs://bucket/o', 1);
    await expect(withRetries(context(registry), () => Promise.reject(big))).rejects.toBe(big);
  });

  it('stops waiting when aborted', async () => {
    const registry = new Registry();
    const controller = new AbortController();
    const ctx = { ...context(registry, controller.signal), policy: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 } };
    const pending = withRetries(ctx, () => Promise.reject(withCode(503)));
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
