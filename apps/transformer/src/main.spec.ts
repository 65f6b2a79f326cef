import { describeServiceMain } from '@kettle/service/testing';

describeServiceMain('transformer', {
  settings: ['env: KETTLE_BUILDS_TOPIC', 'env: KETTLE_BUILDS_SUBSCRIPTION', 'env: KETTLE_ROWS_TOPIC', 'default: 8082'],
  bad: [
    [{ PORT: 'http' }, 'PORT/--port must be 0-65535'],
    [{ KETTLE_BUCKETS: '/nonexistent/buckets.yaml' }, '/nonexistent/buckets.yaml: 1 problem(s) in buckets config'],
  ],
});
