/**
 * A finished run's final evaluation as its latest metrics.
 *
 * Training logs metrics every few steps, and then measures the trained network once more
 * (src-core/experiment.ts, `final`): after the last update, without dropout, and with the
 * best weights restored when early stopping asks for it. That final evaluation is what the
 * saved model scores, what `layerlab train` prints and what a sweep ranks by, so it is what
 * listings show once a run has ended: finishing a run writes it over the run's latest
 * metrics (the history keeps every logged point as it was). The summary JSON that
 * finishRun receives carries it: `{"final": {"train_cost": v, …}, "steps": n, …}`.
 */
import type Database from 'better-sqlite3';
import { REFRESH_LATEST_SQL, TABLE_METRICS } from './latest-sql';

/** The final values of the standard metrics: a number, or null for NaN (the JSON of a NaN). */
export interface FinalEvaluation {
  /** The step the run ended at (the summary's `steps`), or null if the summary has none. */
  step: number | null;
  values: { key: (typeof TABLE_METRICS)[number]; value: number | null }[];
}

/**
 * The final evaluation in a run summary's JSON text, or null if it has none. Metrics the
 * summary leaves out are left out here; a metric it gives as null (what JSON makes of NaN,
 * and of a test set the run did not have) is null.
 */
export function finalEvaluationOf(summary: string | null): FinalEvaluation | null {
  if (summary === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(summary);
  } catch {
    return null;
  }
  if (!isObject(parsed) || !isObject(parsed.final)) return null;
  const final = parsed.final;
  const values: FinalEvaluation['values'] = [];
  for (const key of TABLE_METRICS) {
    const value = final[key];
    if (typeof value === 'number' && Number.isFinite(value)) values.push({ key, value });
    else if (value === null) values.push({ key, value: null });
  }
  const steps = parsed.steps;
  const step = typeof steps === 'number' && Number.isSafeInteger(steps) && steps >= 0 ? steps : null;
  return values.length > 0 ? { step, values } : null;
}

/**
 * Writes final evaluations over runs' latest metrics, and refreshes what the run rows keep
 * of them (`latest`, the table's metrics; triggers keep the listing blobs). Call inside a
 * write transaction. A number replaces the metric's latest point, at the run's final step.
 * A null replaces only a metric the run logged (its latest point becomes NaN, as the
 * model's is), so that a run without a test set gets no test metrics.
 */
export class FinalMetricsWriter {
  private readonly keyId: Database.Statement;
  private readonly addKey: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly clear: Database.Statement;
  private readonly refresh: Database.Statement;

  constructor(db: Database.Database) {
    this.keyId = db.prepare('SELECT id FROM metric_keys WHERE key = ?').pluck();
    this.addKey = db.prepare('INSERT INTO metric_keys (key) VALUES (?)');
    // The step: the run's final one, else the point's own, else the run's highest.
    const step = `coalesce(@step, (SELECT step FROM latest_metrics WHERE run = @run AND key = @key),
      (SELECT max(step) FROM latest_metrics WHERE run = @run), 0)`;
    this.upsert = db.prepare(
      `INSERT INTO latest_metrics (run, key, step, value) VALUES (@run, @key, ${step}, @value)
       ON CONFLICT (run, key) DO UPDATE SET step = excluded.step, value = excluded.value`,
    );
    this.clear = db.prepare(`UPDATE latest_metrics SET step = ${step}, value = NULL WHERE run = @run AND key = @key`);
    this.refresh = db.prepare(`UPDATE runs SET ${REFRESH_LATEST_SQL} WHERE seq = ?`);
  }

  write(seq: number, final: FinalEvaluation): void {
    for (const { key, value } of final.values) {
      if (value === null) {
        const id = this.keyId.get(key) as number | undefined;
        if (id !== undefined) this.clear.run({ run: seq, key: id, step: final.step });
      } else {
        const id = (this.keyId.get(key) as number | undefined) ?? Number(this.addKey.run(key).lastInsertRowid);
        this.upsert.run({ run: seq, key: id, step: final.step, value });
      }
    }
    this.refresh.run(seq);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
