import { describeServiceMain } from '@kettle/service/testing';

describeServiceMain('collector', {
  settings: ['env: KETTLE_POLL', 'env: KETTLE_RELIST_SECONDS', 'env: KETTLE_GCS_ROOT', 'env: KETTLE_BUILDS_TOPIC', 'env: KETTLE_THREADS', 'env: KETTLE_BUILD_LIMIT', 'default: 8081'],
  bad: [
    [{ KETTLE_POLL: 'just-a-topic' }, 'KETTLE_POLL/--poll must be PROJECT/TOPIC/SUBSCRIPTION'],
    [{ KETTLE_RELIST_SECONDS: 'soon' }, 'KETTLE_RELIST_SECONDS/--relist-seconds must be a positive whole number'],
    [{ KETTLE_BUCKETS: '/nonexistent/buckets.yaml' }, '/nonexistent/buckets.yaml: 1 problem(s) in buckets config'],
  ],
});
