/** A destination BigQuery table and its window (DESIGN §6 `--tables NAME:DAYS`). */
export type TableTarget = {
  project: string;
  dataset: string;
  table: string;
  /** 0 = keep every build (the `all` table); N = the last N days, rotated. */
  days: number;
};

export type DatasetRef = { project: string; dataset: string };

const ID = /^[A-Za-z0-9_]{1,1024}$/;
// Project ids, including domain-scoped ones such as `example.com:my-project`.
const PROJECT = /^[a-z][a-z0-9.:-]{2,91}[a-z0-9]$/;

/** `project:dataset` (the old stream.py form); `project.dataset` is accepted too. */
export function parseDataset(text: string, setting = '--dataset'): DatasetRef {
  const t = text.trim();
  const cut = Math.max(t.lastIndexOf(':'), t.lastIndexOf('.'));
  const project = t.slice(0, Math.max(cut, 0));
  const dataset = t.slice(cut + 1);
  if (cut <= 0 || !ID.test(dataset) || !PROJECT.test(project)) {
    throw new Error(`${setting} "${text}": expected PROJECT:DATASET, e.g. k8s-gubernator:build`);
  }
  return { project, dataset };
}

/**
 * `all:0 day:1 week:7` (space or comma separated; from the environment a
 * string, from `--tables a:0 b:1` a list) into targets in one dataset.
 */
export function parseTables(text: string | readonly string[], dataset: DatasetRef, setting = '--tables'): TableTarget[] {
  const parts = (typeof text === 'string' ? text : text.join(' ')).split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new Error(`${setting}: no tables given; expected NAME:DAYS ..., e.g. all:0 day:1 week:7`);
  const seen = new Set<string>();
  return parts.map((p) => {
    const m = /^([A-Za-z0-9_]{1,1024}):(\d+(?:\.\d+)?)$/.exec(p);
    if (!m) throw new Error(`${setting}: "${p}" is not NAME:DAYS (e.g. day:1; 0 days = keep everything)`);
    if (seen.has(m[1])) throw new Error(`${setting}: table ${m[1]} is given twice`);
    seen.add(m[1]);
    return { ...dataset, table: m[1], days: Number(m[2]) };
  });
}

export const tableLabel = (t: { project: string; dataset: string; table: string }): string =>
  `${t.project}:${t.dataset}.${t.table}`;
