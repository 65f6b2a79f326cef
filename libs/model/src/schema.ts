/** The BigQuery schema of the rows, in the JSON form `bq load` and the tables API take. */
export type FieldType = 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
export type FieldMode = 'NULLABLE' | 'REQUIRED' | 'REPEATED';
export type SchemaField = {
  name: string;
  type: FieldType;
  mode: FieldMode;
  description?: string;
  fields?: SchemaField[];
};

const field = (name: string, type: FieldType, description: string): SchemaField => ({
  name,
  type,
  mode: 'NULLABLE',
  description,
});

export const BUILD_SCHEMA: readonly SchemaField[] = Object.freeze([
  field('path', 'STRING', 'GCS path of the build folder, gs://bucket/...'),
  field('job', 'STRING', 'buckets.yaml prefix + job folder name'),
  field('number', 'INTEGER', 'build number (the folder name when all digits)'),
  field('started', 'TIMESTAMP', 'started.json timestamp'),
  field('finished', 'TIMESTAMP', 'finished.json timestamp'),
  field('elapsed', 'FLOAT', 'finished - started, seconds'),
  field('passed', 'BOOLEAN', 'whether the build succeeded'),
  field('result', 'STRING', 'SUCCESS, FAILURE, ABORTED, ...'),
  field('version', 'STRING', 'version under test'),
  field('repo_commit', 'STRING', 'commit of the main repository'),
  field('repos', 'STRING', 'JSON text: repository -> ref'),
  field('executor', 'STRING', 'node or pod that ran the build'),
  field('tests_run', 'INTEGER', 'number of tests in this row'),
  field('tests_failed', 'INTEGER', 'number of failed tests in this row'),
  {
    name: 'metadata',
    type: 'RECORD',
    mode: 'REPEATED',
    description: 'key/value pairs from finished.json (or started.json) metadata',
    fields: [field('key', 'STRING', 'metadata key'), field('value', 'STRING', 'metadata value (JSON text unless a string)')],
  },
  {
    name: 'test',
    type: 'RECORD',
    mode: 'REPEATED',
    description: 'one entry per JUnit test case',
    fields: [
      field('name', 'STRING', 'suite name + case name'),
      field('time', 'FLOAT', 'seconds'),
      field('failed', 'BOOLEAN', 'whether the case failed'),
      field('failure_text', 'STRING', 'failure text or message'),
    ],
  },
]);

/** The schema as the JSON file `bq load --schema` reads. */
export function schemaJson(): string {
  return JSON.stringify(BUILD_SCHEMA, null, 2) + '\n';
}
