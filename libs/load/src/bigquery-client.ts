import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';

export type BigQueryConnection = {
  projectId: string;
  /** A local server such as tools/bigquery-server (`KETTLE_BIGQUERY_ENDPOINT`). */
  endpoint?: string;
};

/**
 * The official client, with its own retries off (ours have deadlines and keep
 * insertIds stable). Against a custom endpoint the client still authorizes
 * every request (BigQuery does not pass `useAuthWithCustomEndpoint` on) and its
 * upload path crashes without credentials, so it gets an auth client holding a
 * fixed token that never calls Google.
 */
export function createBigQuery(conn: BigQueryConnection): BigQuery {
  const retryOptions = { autoRetry: false, maxRetries: 0 };
  if (!conn.endpoint) return new BigQuery({ projectId: conn.projectId, retryOptions });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'kettle-local-endpoint', expiry_date: Date.now() + 10 * 365 * 86400_000 });
  return new BigQuery({
    projectId: conn.projectId,
    apiEndpoint: conn.endpoint.replace(/\/+$/, ''),
    authClient,
    retryOptions,
  });
}
