import { describeServiceMain } from '@kettle/service/testing';

describeServiceMain('loader', {
  settings: ['env: KETTLE_DATASET', 'env: KETTLE_TABLES', 'env: KETTLE_BIGQUERY_ENDPOINT', 'env: KETTLE_ROWS_TOPIC', 'env: KETTLE_ROWS_SUBSCRIPTION', 'env: KETTLE_ROTATE_SECONDS', 'default: 8083'],
  bad: [
    [{}, 'KETTLE_DATASET (or --dataset) is required'],
    [{ KETTLE_DATASET: 'nodataset' }, 'KETTLE_DATASET/--dataset "nodataset": expected PROJECT:DATASET'],
    [{ KETTLE_DATASET: 'proj-x:build', KETTLE_TABLES: 'all day:1' }, 'KETTLE_TABLES/--tables: "all" is not NAME:DAYS'],
    [{ KETTLE_BIGQUERY_ENDPOINT: 'localhost:9050' }, 'KETTLE_BIGQUERY_ENDPOINT/--bigquery-endpoint must be an http(s) URL'],
  ],
});
