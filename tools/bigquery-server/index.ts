export { startBigQueryServer, MAX_REQUEST_BYTES } from './bigquery-server';
export { testClient, type TestClientOptions } from './test-client.util';
export { parseExactJson, stringifyExact, type ExactJson, type ExactJsonObject } from './exact-json.util';
export { parseFaults } from './faults.util';
export type * from './server.types';
