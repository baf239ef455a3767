/**
 * The SQL that keeps each run's latest metrics on its row, for listings: the `latest` JSON
 * of every metric, and the runs table's four standard metrics as JSON (`table_metrics`)
 * and as plain columns (tm_*). Appending metrics and finishing a run (final-metrics.ts)
 * both end with REFRESH_LATEST_SQL; the triggers of schema 5 and 6 keep the listing blobs.
 * Stored data: changing what these compute needs a migration (schema.ts).
 */

/** The standard metrics whose latest values a run row keeps in `table_metrics`. */
export const TABLE_METRICS = ['train_cost', 'test_cost', 'train_accuracy', 'test_accuracy'] as const;

/** A metric value as the table shows it: NULL unless finite (NaN is NULL already; ±Infinity is not). */
const finiteValue = 'CASE WHEN m.value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308 THEN m.value END';

/**
 * The SQL assignment (inside an UPDATE of runs) that sets `table_metrics` from
 * latest_metrics: `{"train_cost": v, "test_cost": v, "train_accuracy": v,
 * "test_accuracy": v, "step": s}`, each value the latest one if finite, else null, and
 * `step` that of train_cost's. SQLite writes REALs with 17 significant digits, so the
 * values read back exactly.
 */
export const TABLE_METRICS_SQL = `table_metrics = (
  SELECT json_object(${TABLE_METRICS.map((k) => `'${k}', max(CASE WHEN k.key = '${k}' THEN ${finiteValue} END)`).join(', ')},
    'step', max(CASE WHEN k.key = 'train_cost' THEN m.step END))
  FROM latest_metrics m JOIN metric_keys k ON k.id = m.key
  WHERE m.run = runs.seq AND k.key IN (${TABLE_METRICS.map((k) => `'${k}'`).join(', ')}))`;

/**
 * The SQL assignments (inside an UPDATE of runs, beside TABLE_METRICS_SQL) that set the
 * same values as plain columns (tm_*, schema 4), which the columnar listing reads.
 */
export const TABLE_METRIC_COLUMNS_SQL = [...TABLE_METRICS.map((k) => [`tm_${k}`, k, finiteValue] as const), ['tm_step', 'train_cost', 'm.step'] as const]
  .map(
    ([column, key, value]) =>
      `${column} = (SELECT ${value} FROM latest_metrics m JOIN metric_keys k ON k.id = m.key WHERE m.run = runs.seq AND k.key = '${key}')`,
  )
  .join(',\n  ');

/** The SQL assignment (inside an UPDATE of runs) that sets `latest` from latest_metrics. */
export const LATEST_SQL = `latest = (
  SELECT json_group_object(k.key, json_object('value', m.value, 'step', m.step))
  FROM latest_metrics m JOIN metric_keys k ON k.id = m.key WHERE m.run = runs.seq)`;

/** Every assignment (inside an UPDATE of runs) that follows a change of its latest_metrics. */
export const REFRESH_LATEST_SQL = `${LATEST_SQL},\n${TABLE_METRICS_SQL},\n${TABLE_METRIC_COLUMNS_SQL}`;
