/**
 * The run store at scale: 10,000 runs of 1,000 metric points each (10 M history rows).
 * Listing and sorting runs by a metric, top 100 and in full, with and without a status
 * filter, must take under 50 ms (the median of 7). Each listing is timed next to a
 * baseline in the same run: the same listing computed from metric_history, which is what
 * latest_metrics (and its copy on the run row) spares us.
 *
 * The generated store (about 250 MB, a minute or so to make) is kept in the OS temp
 * folder, keyed by the schema version and size, and reused by later runs.
 * LAYERLAB_BENCH_RUNS=1000 makes a smaller one.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore, SCHEMA_VERSION, type FinalStatus, type MetricPoint, type RunSummary } from '../src-main/store';
import { toSummary, type SummaryRow } from '../src-main/store/list-query';
import { MIGRATIONS } from '../src-main/store/schema';

const RUNS = Number(process.env.LAYERLAB_BENCH_RUNS ?? 10_000);
const STEPS = 200;
const KEYS = ['train_cost', 'train_accuracy', 'test_cost', 'test_accuracy', 'learning_rate'];
const BUDGET_MS = 50;

/** A small seeded generator, so that every machine builds the same store. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickStatus(u: number): FinalStatus {
  if (u < 0.6) return 'completed';
  if (u < 0.75) return 'stopped';
  if (u < 0.85) return 'diverged';
  if (u < 0.95) return 'failed';
  return 'cancelled';
}

/** Builds the store through its public API: 4 transactions per run, one of them with 1,000 points. */
function generate(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  const random = mulberry32(42);
  const store = RunStore.open(dir);
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const lr = 10 ** (-4 + 3 * random());
    const id = store.createRun({
      name: `lr-${lr.toPrecision(3)}-h${1 + (i % 8)}`,
      config: JSON.stringify({ layers: [2, 1 + (i % 8), 1], learningRate: lr, epochs: STEPS * 10, seed: i }),
      tags: i % 10 === 0 ? ['baseline'] : [],
    });
    store.startRun(id);
    const status = pickStatus(random());
    const quality = random();
    const points: MetricPoint[] = [];
    for (let step = 0; step < STEPS; step++) {
      const progress = (step + 1) / STEPS;
      const cost = status === 'diverged' && step === STEPS - 1 ? NaN : (1 - 0.9 * quality * progress) * (0.9 + 0.2 * random());
      points.push(
        { step, key: 'train_cost', value: cost },
        { step, key: 'train_accuracy', value: Math.min(1, 0.5 + 0.5 * quality * progress + 0.02 * random()) },
        { step, key: 'test_cost', value: cost * 1.1 },
        { step, key: 'test_accuracy', value: Math.min(1, 0.5 + 0.45 * quality * progress + 0.02 * random()) },
        { step, key: 'learning_rate', value: lr },
      );
    }
    store.appendMetrics(id, points);
    store.finishRun(id, status, status === 'failed' ? { error: 'synthetic failure' } : {});
    if ((i + 1) % 1000 === 0) console.log(`  generated ${i + 1} / ${RUNS} runs`);
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  const points = RUNS * STEPS * KEYS.length;
  console.log(
    `  generated ${RUNS} runs, ${(points / 1e6).toFixed(1)} M points in ${seconds.toFixed(1)} s ` +
      `(${Math.round(points / seconds / 1000)} k points/s through appendMetrics)`,
  );
  writeFileSync(join(dir, 'complete'), '');
}

/** Median and fastest wall time of `fn` in ms, after one warm-up call. */
function time(fn: () => unknown, repeats = 7): { median: number; min: number } {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(repeats / 2)], min: times[0] };
}

export async function run(): Promise<void> {
  // Keyed by the schema's version and the text of its migrations, so that any change to
  // the schema (shipped or not) builds a new store.
  const schema = createHash('sha256').update(MIGRATIONS.map((m) => m.up.toString()).join('\n')).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `layerlab-bench-store-v${SCHEMA_VERSION}-${schema}-${RUNS}x${STEPS * KEYS.length}`);
  if (!existsSync(join(dir, 'complete'))) {
    console.log(`  building ${dir} (kept for later runs)`);
    generate(dir);
  } else {
    console.log(`  reusing ${dir}`);
  }

  // Listing runs as `layerlab runs list` does: read-only, beside any writer.
  const store = RunStore.open(dir, { readonly: true });
  // The baseline is the same listing computed from metric_history alone, the best a store
  // without latest_metrics can do: per run, one index seek for the highest step of each
  // key (and one more for the sort key), the page chosen first and its rows built after.
  const db = new Database(join(dir, 'layerlab.db'), { readonly: true });
  const keyId = (key: string) => db.prepare('SELECT id FROM metric_keys WHERE key = ?').pluck().get(key);
  const lastValue = (key: string) =>
    `(SELECT value FROM metric_history WHERE run = r.seq AND key = ${Number(keyId(key))} ORDER BY step DESC LIMIT 1)`;
  const fromHistory = (sort: string, direction: 'ASC' | 'DESC', status: string | null, limit: number) => {
    const page = db.prepare(`
      SELECT r.id, r.name, r.status, r.sweep_id, r.created_at, r.started_at, r.finished_at, r.updated_at, r.error,
        r.notes, r.deleted_at,
        (SELECT json_group_object(k.key, json_object('value', h.value, 'step', h.step))
           FROM metric_keys k JOIN metric_history h ON h.run = r.seq AND h.key = k.id
            AND h.step = (SELECT max(step) FROM metric_history WHERE run = r.seq AND key = k.id)),
        r.seq
      FROM (SELECT r.seq, ${sort} AS v FROM runs r
            WHERE r.deleted_at IS NULL AND (@status IS NULL OR r.status = @status)
            ORDER BY v IS NULL, v ${direction}, r.seq ${direction} LIMIT @limit) o
      JOIN runs r ON r.seq = o.seq
      ORDER BY o.v IS NULL, o.v ${direction}, r.seq ${direction}`).raw();
    return () => (page.all({ status, limit }) as SummaryRow[]).map(toSummary);
  };
  // A query that ignores the (run, key, step) key and scans history, grouped by run.
  const scanHistory = db.prepare(`
    SELECT h.run, h.value FROM metric_history h
    JOIN (SELECT run, key, max(step) AS step FROM metric_history WHERE key = ? GROUP BY run) last
      ON last.run = h.run AND last.key = h.key AND last.step = h.step
    JOIN runs r ON r.seq = h.run
    WHERE r.deleted_at IS NULL ORDER BY h.value IS NULL, h.value DESC LIMIT 100`);

  const accuracy = lastValue('test_accuracy');
  const cases: { label: string; ours: () => unknown; baseline: () => unknown }[] = [
    {
      label: 'top 100 by test_accuracy',
      ours: () => store.listRuns({ sortBy: 'test_accuracy', order: 'desc', limit: 100 }),
      baseline: fromHistory(accuracy, 'DESC', null, 100),
    },
    {
      label: `all ${RUNS} by test_accuracy`,
      ours: () => store.listRuns({ sortBy: 'test_accuracy', order: 'desc' }),
      baseline: fromHistory(accuracy, 'DESC', null, -1),
    },
    {
      label: 'top 100 completed by test_accuracy',
      ours: () => store.listRuns({ sortBy: 'test_accuracy', order: 'desc', status: 'completed', limit: 100 }),
      baseline: fromHistory(accuracy, 'DESC', 'completed', 100),
    },
    {
      label: 'all completed by test_accuracy',
      ours: () => store.listRuns({ sortBy: 'test_accuracy', order: 'desc', status: 'completed' }),
      baseline: fromHistory(accuracy, 'DESC', 'completed', -1),
    },
    {
      label: 'top 100 by train_cost ascending',
      ours: () => store.listRuns({ sortBy: 'train_cost', limit: 100 }),
      baseline: fromHistory(lastValue('train_cost'), 'ASC', null, 100),
    },
    {
      label: 'newest 100 (the default listing)',
      ours: () => store.listRuns({ limit: 100 }),
      baseline: fromHistory('r.created_at', 'DESC', null, 100),
    },
    {
      label: `all ${RUNS}, newest first`,
      ours: () => store.listRuns({}),
      baseline: fromHistory('r.created_at', 'DESC', null, -1),
    },
  ];
  // The two must agree before their times mean anything.
  for (const c of cases) {
    const ours = JSON.stringify((c.ours() as RunSummary[]).map((r) => [r.id, r.metrics]));
    const baseline = JSON.stringify((c.baseline() as RunSummary[]).map((r) => [r.id, r.metrics]));
    if (ours !== baseline) throw new Error(`${c.label}: the store and the baseline disagree`);
  }

  console.log(`  load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; median of 7 (fastest in brackets)`);
  console.log(`  ${'listing'.padEnd(36)} ${'store'.padStart(17)} ${'from history'.padStart(12)} ${'speed-up'.padStart(9)}  budget`);
  let over = 0;
  for (const c of cases) {
    const ours = time(c.ours);
    const baseline = time(c.baseline, 3);
    if (ours.median > BUDGET_MS) over++;
    console.log(
      `  ${c.label.padEnd(36)} ${ours.median.toFixed(1).padStart(6)} ms (${ours.min.toFixed(1).padStart(5)}) ` +
        `${baseline.median.toFixed(1).padStart(9)} ms ${(baseline.median / ours.median).toFixed(1).padStart(8)}x  ` +
        `${ours.median <= BUDGET_MS ? 'ok' : `OVER ${BUDGET_MS} ms`}`,
    );
  }
  const scan = time(() => scanHistory.all(Number(keyId('test_accuracy'))), 1);
  const top = time(() => store.listRuns({ sortBy: 'test_accuracy', order: 'desc', limit: 100 }));
  console.log(
    `  top 100 by a grouped scan of metric_history: ${scan.median.toFixed(0)} ms, ` +
      `${(scan.median / top.median).toFixed(0)}x the store's listing`,
  );
  db.close();
  store.close();
  if (over > 0) console.log(`  ${over} queries over the ${BUDGET_MS} ms budget`);
}
