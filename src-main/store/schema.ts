/**
 * The store's schema and its migrations. The database's `PRAGMA user_version` is the
 * number of migrations applied; opening a store for writing applies the missing ones in
 * order, each in its own transaction together with the version bump, so a crash leaves
 * the store at one version or the next, never between. To change the schema, append a
 * migration; never edit one that has shipped.
 *
 * Runs have two keys: `id`, the short text id users see, and `seq`, an integer that the
 * metric tables use instead (10 M history rows are half the size with integer keys).
 * Metric keys are interned in `metric_keys` for the same reason.
 *
 * Listings read only `runs` (and `run_tags`): each run's latest metrics and the
 * hyperparameters of its config are kept on its row (see LATEST_COLUMNS and hyperparams.ts).
 */
import type Database from 'better-sqlite3';
import { HP_COLUMNS, hyperparamColumns, hyperparams } from './hyperparams';
import { FinalMetricsWriter, finalEvaluationOf } from './final-metrics';
import { TABLE_METRICS, TABLE_METRICS_SQL } from './latest-sql';
import { RUN_STATUSES, SWEEP_STATUSES } from './status';

/** Marks a SQLite file as a Layerlab store ('LLab'); read from the file header before opening. */
export const APPLICATION_ID = 0x4c4c6162;

export interface Migration {
  /** The user_version after this migration. */
  version: number;
  description: string;
  up(db: Database.Database): void;
}

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

const EMPTY_TABLE_METRICS = `{${TABLE_METRICS.map((k) => `"${k}":null`).join(',')},"step":null}`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, tags, metric history, latest metrics and weights',
    up(db) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(`
        CREATE TABLE runs (
          seq         INTEGER PRIMARY KEY,
          id          TEXT NOT NULL UNIQUE,
          name        TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN (${quoted(RUN_STATUSES)})),
          config      TEXT NOT NULL CHECK (json_valid(config)),
          summary     TEXT CHECK (summary IS NULL OR json_valid(summary)),
          created_at  INTEGER NOT NULL,
          started_at  INTEGER,
          finished_at INTEGER,
          updated_at  INTEGER NOT NULL,
          error       TEXT,
          notes       TEXT NOT NULL DEFAULT '',
          deleted_at  INTEGER,
          owner_pid   INTEGER,
          owner_token TEXT,
          -- This run's latest_metrics as {"key": {"value": v, "step": s}, …}, for listings.
          latest      TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX runs_by_created ON runs (created_at);
        CREATE INDEX runs_by_status ON runs (status, created_at);

        CREATE TABLE run_tags (
          run INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          PRIMARY KEY (run, tag)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX run_tags_by_tag ON run_tags (tag, run);

        CREATE TABLE metric_keys (
          id  INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE
        ) STRICT;

        -- Every logged point. NaN is stored as NULL (SQLite has no NaN).
        CREATE TABLE metric_history (
          run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
          key   INTEGER NOT NULL,
          step  INTEGER NOT NULL,
          value REAL,
          PRIMARY KEY (run, key, step)
        ) STRICT, WITHOUT ROWID;

        -- The point with the highest step per run and key, kept up to date by every
        -- append, so that listing and sorting runs never reads metric_history.
        CREATE TABLE latest_metrics (
          run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
          key   INTEGER NOT NULL,
          step  INTEGER NOT NULL,
          value REAL,
          PRIMARY KEY (run, key)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX latest_metrics_by_value ON latest_metrics (key, value);

        -- Weights live in files under weights/ (a few MB each); the row says where.
        CREATE TABLE weights (
          run      INTEGER PRIMARY KEY REFERENCES runs (seq) ON DELETE CASCADE,
          format   TEXT NOT NULL,
          file     TEXT NOT NULL,
          bytes    INTEGER NOT NULL,
          sha256   TEXT NOT NULL,
          saved_at INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    description: 'sweeps, and the sweep each run belongs to',
    up(db) {
      db.exec(`
        CREATE TABLE sweeps (
          id          TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          spec        TEXT NOT NULL CHECK (json_valid(spec)),
          status      TEXT NOT NULL CHECK (status IN (${quoted(SWEEP_STATUSES)})),
          created_at  INTEGER NOT NULL,
          started_at  INTEGER,
          finished_at INTEGER,
          updated_at  INTEGER NOT NULL,
          error       TEXT,
          notes       TEXT NOT NULL DEFAULT '',
          owner_pid   INTEGER,
          owner_token TEXT
        ) STRICT;
        CREATE INDEX sweeps_by_created ON sweeps (created_at);
        ALTER TABLE runs ADD COLUMN sweep_id TEXT REFERENCES sweeps (id);
        CREATE INDEX runs_by_sweep ON runs (sweep_id, created_at);
      `);
    },
  },
  {
    version: 3,
    description: 'hyperparameters and the latest standard metrics on the run row, for listings',
    up(db) {
      db.exec(`
        -- The table's hyperparameters of the run's config as JSON (hyperparams.ts), and the
        -- ones it sorts and searches by as plain columns. Written once, at creation.
        ALTER TABLE runs ADD COLUMN hp TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE runs ADD COLUMN hp_data TEXT;
        ALTER TABLE runs ADD COLUMN hp_hidden TEXT;
        ALTER TABLE runs ADD COLUMN hp_hidden_rank REAL;
        ALTER TABLE runs ADD COLUMN hp_activation TEXT;
        ALTER TABLE runs ADD COLUMN hp_optimizer TEXT;
        ALTER TABLE runs ADD COLUMN hp_learning_rate REAL;
        ALTER TABLE runs ADD COLUMN hp_steps REAL;
        -- The latest values of the four standard metrics as a runs table shows them (JSON,
        -- see TABLE_METRICS_SQL), kept up to date by every append like 'latest'.
        ALTER TABLE runs ADD COLUMN table_metrics TEXT NOT NULL DEFAULT '${EMPTY_TABLE_METRICS}';
        -- Live refreshes ask for the runs changed since a time.
        CREATE INDEX runs_by_updated ON runs (updated_at);
      `);
      const fill = db.prepare(`UPDATE runs SET ${HP_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?`);
      for (const [seq, config] of db.prepare('SELECT seq, config FROM runs').raw().all() as [number, string][]) {
        fill.run(...hyperparamColumns(hyperparams(config)), seq);
      }
      db.exec(`UPDATE runs SET ${TABLE_METRICS_SQL}`);
    },
  },
  {
    version: 4,
    description: "the table's unit and standard metrics as plain columns, for the columnar listing",
    up(db) {
      // A columnar listing (RunStore.listRunColumns) reads one plain value per field and
      // run; taking these out of the hp and table_metrics JSON for each listing would cost
      // more than reading everything else.
      db.exec(`
        ALTER TABLE runs ADD COLUMN hp_unit TEXT;
        ALTER TABLE runs ADD COLUMN tm_train_cost REAL;
        ALTER TABLE runs ADD COLUMN tm_test_cost REAL;
        ALTER TABLE runs ADD COLUMN tm_train_accuracy REAL;
        ALTER TABLE runs ADD COLUMN tm_test_accuracy REAL;
        ALTER TABLE runs ADD COLUMN tm_step INTEGER;
        UPDATE runs SET hp_unit = hp ->> '$.unit',
          tm_train_cost = table_metrics ->> '$.train_cost', tm_test_cost = table_metrics ->> '$.test_cost',
          tm_train_accuracy = table_metrics ->> '$.train_accuracy', tm_test_accuracy = table_metrics ->> '$.test_accuracy',
          tm_step = table_metrics ->> '$.step';
      `);
    },
  },
  {
    version: 5,
    description: "each run's listed numbers as one blob of float64s, kept by triggers, for the columnar listings",
    up(db) {
      // A listing of 10,000 runs that reads each field as its own value spends most of its
      // time handing values to JavaScript one by one. So each run's numbers are one blob of
      // float64s (LIST_NUMBERS), which a listing concatenates in SQLite into one Buffer
      // (list-query.ts, tableAggregate); the fields many runs share (status, sweep, the
      // table's text hyperparameters, deleted) are one row of list_shared, whose id is one
      // of those numbers. Triggers keep both current whatever statement changes a run.
      const shared = (row: string) =>
        `json_array(${['status', 'sweep_id', 'hp_data', 'hp_hidden', 'hp_activation', 'hp_optimizer', 'hp_unit'].map((c) => `${row}.${c}`).join(', ')}, ${row}.deleted_at IS NOT NULL)`;
      const sharedId = (row: string) => `(SELECT id FROM list_shared WHERE key = ${shared(row)})`;
      // The run's numbers with its new list_shared id (an UPDATE's expressions see the old row).
      const numbers = (row: string) => float64Blob(LIST_NUMBERS.map((c) => (c === 'list_shared' ? sharedId(row) : `${row}.${c}`)));
      const keep = `
        INSERT OR IGNORE INTO list_shared (key) VALUES (${shared('NEW')});
        UPDATE runs SET list_shared = ${sharedId('NEW')}, list_numbers = ${numbers('NEW')} WHERE seq = NEW.seq;`;
      const sources = [...LIST_NUMBERS.filter((c) => c !== 'seq' && c !== 'list_shared'), 'status', 'sweep_id', 'hp_data', 'hp_hidden', 'hp_activation', 'hp_optimizer', 'hp_unit'];
      db.exec(`
        -- The distinct values of the fields many runs share, as JSON arrays: [status, sweep id,
        -- data, hidden sizes, activation, optimizer, unit, deleted].
        CREATE TABLE list_shared (
          id  INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE
        ) STRICT;
        ALTER TABLE runs ADD COLUMN list_shared INTEGER;
        ALTER TABLE runs ADD COLUMN list_numbers BLOB;
        CREATE TRIGGER runs_list_insert AFTER INSERT ON runs BEGIN ${keep} END;
        CREATE TRIGGER runs_list_update AFTER UPDATE OF ${sources.join(', ')} ON runs BEGIN ${keep} END;
        INSERT OR IGNORE INTO list_shared (key) SELECT ${shared('runs')} FROM runs ORDER BY seq;
        UPDATE runs SET list_shared = ${sharedId('runs')}, list_numbers = ${numbers('runs')};
      `);
    },
  },
  {
    version: 6,
    description: "each run's latest metrics as one blob of float64s, kept by triggers, for listRuns",
    up(db) {
      // listRuns gives every latest metric of every run; parsing 10,000 runs' `latest` JSON
      // costs more than the rest of the listing. The same metrics as float64s (latestNumbers)
      // are concatenated by SQLite and read in one pass. `latest` is set by every append, so a
      // trigger on it keeps the blob current.
      db.exec(`
        ALTER TABLE runs ADD COLUMN latest_numbers BLOB NOT NULL DEFAULT X'0000000000000000';
        CREATE TRIGGER runs_latest_numbers AFTER UPDATE OF latest ON runs
          BEGIN UPDATE runs SET latest_numbers = ${latestNumbers('NEW.seq')} WHERE seq = NEW.seq; END;
        UPDATE runs SET latest_numbers = ${latestNumbers('runs.seq')};
      `);
    },
  },
  {
    version: 7,
    description: 'indexes in the order of each column the runs table sorts by, for listings that need not sort',
    up(db) {
      // A full listing sorted by a field made SQLite sort 10,000 keys (8-14 ms of CPU); walking
      // an index in that order costs under 1 ms. Only runs not deleted (what listings show
      // unless asked), and for a column that can be NULL two: one whose order, walked
      // backwards, is the column's descending order with NULLs last, and one on
      // coalesce(column, X'') (a blob sorts after any number or text) for ascending with NULLs
      // last. list-query.ts writes its ORDER BY in the same terms; an expression that stops
      // matching only costs the sort again.
      const rank = `CASE status ${RUN_STATUSES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;
      const plain: [string, string][] = [
        ['name', 'name COLLATE NOCASE'],
        ['status_rank', rank],
      ];
      const nullable: [string, string][] = [
        ['started', 'started_at'],
        ['finished', 'finished_at'],
        ['duration', 'coalesce(finished_at, updated_at) - started_at'],
        ['data', 'hp_data'],
        ['hidden', 'hp_hidden_rank'],
        ['activation', 'hp_activation'],
        ['optimizer', 'hp_optimizer'],
        ['learning_rate', 'hp_learning_rate'],
        ['steps', 'hp_steps'],
      ];
      const index = (name: string, expression: string) =>
        `CREATE INDEX runs_sorted_by_${name} ON runs (${expression}) WHERE deleted_at IS NULL;`;
      db.exec(
        [
          ...plain.map(([name, expression]) => index(name, expression)),
          ...nullable.flatMap(([name, expression]) => [index(name, expression), index(`${name}_nulls_last`, `coalesce(${expression}, X'')`)]),
        ].join('\n'),
      );
    },
  },
  {
    version: 8,
    description: "indexes in the order of the runs table's four metrics, kept on the run row",
    up(db) {
      // A listing by a metric read the runs with a value along latest_metrics' index and
      // joined each to its row, then scanned the runs for those without one: two passes.
      // The table's four metrics are on the run row already (tm_*, the latest value if
      // finite, else NULL), so with these indexes (as schema 7's) a listing by one of them
      // is one pass in order.
      db.exec(
        TABLE_METRICS.flatMap((k) => [
          `CREATE INDEX runs_sorted_by_${k} ON runs (tm_${k}) WHERE deleted_at IS NULL;`,
          `CREATE INDEX runs_sorted_by_${k}_nulls_last ON runs (coalesce(tm_${k}, X'')) WHERE deleted_at IS NULL;`,
        ]).join('\n'),
      );
    },
  },
  {
    version: 9,
    description: "finished runs' final evaluation as their latest metrics",
    up(db) {
      // Listings showed a run's last logged metrics, taken before its last update (and under
      // dropout, or before the best weights were restored); what the saved model scores is
      // the final evaluation in the run's summary. Finishing a run now writes it over the
      // latest metrics (final-metrics.ts); this does the same for the runs already finished.
      const writer = new FinalMetricsWriter(db);
      const finished = db.prepare(`SELECT seq, summary FROM runs WHERE summary ->> '$.final' IS NOT NULL`).raw().all() as [number, string][];
      for (const [seq, summary] of finished) {
        const final = finalEvaluationOf(summary);
        if (final) writer.write(seq, final);
      }
    },
  },
];

/**
 * The columns of `runs.list_numbers` (schema 5), in order: each run's listed numbers as
 * float64s, big-endian, NaN for NULL; `list_shared` is the id of its row of list_shared.
 * Stored data: changing it needs a migration.
 */
export const LIST_NUMBERS = [
  'seq',
  'list_shared',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
  'deleted_at',
  'hp_learning_rate',
  'hp_steps',
  'tm_train_cost',
  'tm_test_cost',
  'tm_train_accuracy',
  'tm_test_accuracy',
  'tm_step',
] as const;

/**
 * SQL for the `latest_numbers` of run `seq` (schema 6): float64s, big-endian, the number of
 * its latest metrics, then for each (by key id) its metric_keys id, step and value (NaN for
 * NULL). Stored data: changing it needs a migration.
 */
function latestNumbers(seq: string): string {
  const metric = float64Blob(['m.key', 'm.step', 'm.value']);
  // A blob || a text of bytes is their bytes one after the other; CAST keeps them a blob.
  return `(SELECT CAST(${float64Blob(['c'])} || coalesce(t, X'') AS BLOB) FROM (
    SELECT count(*) AS c, group_concat(${metric}, '' ORDER BY m.key) AS t FROM latest_metrics m WHERE m.run = ${seq}))`;
}

/**
 * SQL for the IEEE 754 bits of the number `v` (a REAL, an INTEGER below 2^53, or NULL for
 * NaN) as a 64-bit integer, in plain SQL so that any SQLite with the math functions keeps
 * the blobs (better-sqlite3 has them): the exponent from log2, corrected by one either way
 * where log2 rounds, and the significand by exact scalings by powers of two. SQLite stores
 * no -0 (it reads back 0), so 0 is +0. Tested bit for bit against Node's encoder.
 */
function float64Bits(v: string): string {
  const e0 = 'CAST(floor(log2(a)) AS INTEGER)';
  return `CASE
    WHEN ${v} IS NULL THEN 0x7FF8000000000000
    WHEN ${v} = 0 THEN 0
    WHEN ${v} > 1.7976931348623157e308 THEN 0x7FF0000000000000
    WHEN ${v} < -1.7976931348623157e308 THEN 0xFFF0000000000000
    ELSE ((${v} < 0) << 63) | (
      SELECT CASE
        WHEN e < -1022 THEN CAST(a * pow(2, 1000) * pow(2, 74) AS INTEGER)
        ELSE ((e + 1023) << 52) | CAST((a / pow(2, e) - 1) * 4503599627370496.0 AS INTEGER) END
      FROM (SELECT e0 - (a < pow(2, e0)) + (a >= pow(2, e0 + 1)) AS e, a
            FROM (SELECT ${e0} AS e0, a FROM (SELECT abs(CAST(${v} AS REAL)) AS a))))
  END`;
}

/** SQL for a blob of the values' float64s, big-endian, in order (see float64Bits). */
export function float64Blob(values: readonly string[]): string {
  const rows = values.map((x, i) => (i === 0 ? `SELECT 0 AS i, ${x} AS v` : `SELECT ${i}, ${x}`)).join(' UNION ALL ');
  return `(SELECT unhex(group_concat(printf('%016X', ${float64Bits('v')}), '' ORDER BY i)) FROM (${rows}))`;
}

/** The schema version this Layerlab writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations after the database's version up to `target`, each in one
 * transaction with its version bump. Throws if the database is newer than `target`.
 * (`migrations` is for tests.)
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION, migrations = MIGRATIONS): void {
  const from = schemaVersion(db);
  if (from > target) throw new Error(`schema version ${from} is newer than ${target}`);
  for (const migration of migrations) {
    if (migration.version <= from || migration.version > target) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
