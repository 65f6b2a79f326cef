import { formatGcsPath, GcsPathError, parseGcsPath } from './gcs-path.util';

describe('parseGcsPath', () => {
  it.each([
    ['gs://kubernetes-jenkins', { bucket: 'kubernetes-jenkins', object: '' }],
    ['gs://kubernetes-jenkins/', { bucket: 'kubernetes-jenkins', object: '' }],
    ['gs://kubernetes-jenkins/logs/', { bucket: 'kubernetes-jenkins', object: 'logs/' }],
    ['gs://kubernetes-jenkins/pr-logs/pull/1/job/2', { bucket: 'kubernetes-jenkins', object: 'pr-logs/pull/1/job/2' }],
    ['gs://my.bucket_name-1/a b/ü', { bucket: 'my.bucket_name-1', object: 'a b/ü' }],
  ])('parses %s', (url, expected) => {
    expect(parseGcsPath(url)).toEqual(expected);
    expect(formatGcsPath(expected)).toBe(url.endsWith('/') || expected.object !== '' ? url : `${url}/`);
  });

  it.each([
    ['', /must start with gs:\/\//],
    ['kubernetes-jenkins/logs', /must start with gs:\/\//],
    ['https://storage.googleapis.com/b/o', /must start with gs:\/\//],
    ['gs://', /bucket name is empty/],
    ['gs:///logs', /bucket name is empty/],
    ['gs://ab/x', /shorter than 3/],
    ['gs://Upper/x', /lowercase letters/],
    ['gs://-bucket/x', /start and end/],
    ['gs://bucket-/x', /start and end/],
    ['gs://a..b/x', /empty or over-long/],
    [`gs://${'a'.repeat(64)}/x`, /too long/],
    [' gs://bucket/x', /whitespace/],
    ['gs://bucket/x\n', /whitespace/],
    ['gs://bucket/a\nb', /CR, LF or NUL/],
    ['gs://bucket/a\0b', /CR, LF or NUL/],
    ['gs://bucket/..', /reserved/],
    ['gs://bucket/\ud800x', /lone surrogate/],
    [`gs://bucket/${'x'.repeat(1025)}`, /longer than 1024 bytes/],
  ])('rejects %j', (url, message) => {
    let caught: unknown;
    try {
      parseGcsPath(url);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GcsPathError);
    expect((caught as GcsPathError).message).toMatch(message);
    expect((caught as GcsPathError).input).toBe(url);
  });
});
