import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';

export type TestClientOptions = {
  projectId?: string;
  /**
   * The client's own retries of 429/5xx (random backoff of 1-2 s and up).
   * Default `{ autoRetry: false }`, so tests see every injected fault and the
   * loader's own retries are what gets tested. `maxRetryDelay` (seconds) makes
   * them fast when a test does want them.
   */
  retryOptions?: BigQueryOptions['retryOptions'];
};

/**
 * A `BigQuery` client talking to a bigquery-server (or any custom endpoint)
 * without Google credentials.
 *
 * Why each option, measured against @google-cloud/bigquery 8.3.1:
 * - `apiEndpoint`: the client builds `${apiEndpoint}/bigquery/v2/...` and
 *   `${apiEndpoint}/upload/bigquery/v2/...`. (BIGQUERY_EMULATOR_HOST would drop
 *   the /bigquery/v2 prefix for API calls but not for uploads.)
 * - `authClient`: an OAuth2Client holding a fixed, never-expiring fake token.
 *   This is the option that matters. Without it, google-auth-library finds no
 *   credentials, API calls go out unauthenticated (after a slow metadata-server
 *   probe), and load-job uploads (`table.load`, `createWriteStream`) crash in
 *   teeny-request: "Cannot set properties of undefined (setting 'Content-Type')",
 *   because only authorizeRequest() gives the request a headers object.
 * - `useAuthWithCustomEndpoint: true`: no effect in 8.3.1 (BigQuery never marks
 *   its endpoint as custom, so the authClient is always used), but a version that
 *   does would skip authorizeRequest() and crash the same way without it. Not in
 *   the BigQueryOptions typings; @google-cloud/common reads it.
 * - `projectId`: otherwise the client asks the auth library for one and fails.
 * - `retryOptions.autoRetry: false` unless asked: see TestClientOptions.
 */
export function testClient(url: string, options: TestClientOptions = {}): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'bigquery-server-fake-token', expiry_date: Date.now() + 10 * 365 * 86_400_000 });
  const clientOptions: BigQueryOptions & { useAuthWithCustomEndpoint: boolean } = {
    projectId: options.projectId ?? 'test-project',
    apiEndpoint: url,
    authClient,
    useAuthWithCustomEndpoint: true,
    retryOptions: options.retryOptions ?? { autoRetry: false },
  };
  return new BigQuery(clientOptions);
}
