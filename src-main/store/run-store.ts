/**
 * The run store: every run's config, status, metric history and weights, in one SQLite
 * database (WAL mode) plus a folder of weight files. See docs/store.md for the layout,
 * the schema, the statuses and what happens after a crash.
 *
 * One process writes a store at a time (it holds layerlab.lock); any number may read it
 * at the same time with `{ readonly: true }`, which takes no lock.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { inspectDatabaseFile } from './database-file';
import { StoreError, toStoreError } from './errors';
import { newId } from './ids';
import { HP_COLUMNS, hyperparamColumns, hyperparamsOfValue, type Hyperparams } from './hyperparams';
import {
  listQuery,
  PAGE,
  latestMetricsOf,
  SHARED_KEYS,
  SUMMARY_COLUMNS,
  SUMMARY_LIST_COLUMNS,
  LIST_NUMBERS_BYTES,
  listNumberColumns,
  listAggregate,
  TABLE_COLUMNS,
  TABLE_ROW_JSON,
  TAGS_OF_RUNS,
  toSummary,
  type ListQuery,
  type SummaryRow,
  type ListAggregate,
} from './list-query';
import { StoreLock } from './lock';
import { currentOwner, isOwnerAlive, type Owner } from './owner';
import { finalEvaluationOf, FinalMetricsWriter } from './final-metrics';
import { REFRESH_LATEST_SQL } from './latest-sql';
import { migrate, SCHEMA_VERSION, schemaVersion } from './schema';
import { canTransition, isFinal, isRunStatus, nextStatuses, type FinalStatus, type RunStatus, type SweepStatus } from './status';
import type {
  LatestMetric,
  ListRunsOptions,
  MetricPoint,
  OpenOptions,
  RunColumns,
  RunDetail,
  RunSummary,
  RunTableRow,
  SharedFields,
  SweepInfo,
  TableNumbers,
  WeightsInfo,
  WriteOperation,
} from './types';
import { checkJson, checkName, checkPoint, checkTag, invalid, parseJson, WEIGHTS_FORMAT } from './validate';

export const DB_FILE = 'layerlab.db';
export const WEIGHTS_DIR = 'weights';

interface RunRow {
  seq: number;
  id: string;
  status: RunStatus;
}

interface SweepRow {
  id: string;
  name: string;
  spec: string;
  status: SweepStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  error: string | null;
  notes: string;
}

export class RunStore {
  /** The store directory (absolute). */
  readonly dir: string;
  /** The database file. */
  readonly file: string;
  readonly readonly: boolean;

  private db: Database.Database | null;
  private readonly lock: StoreLock | null;
  private readonly hooks: NonNullable<OpenOptions['testHooks']>;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly keyIds = new Map<string, number>();
  private finalMetrics: FinalMetricsWriter | undefined;

  private constructor(dir: string, db: Database.Database, lock: StoreLock | null, options: OpenOptions) {
    this.dir = dir;
    this.file = join(dir, DB_FILE);
    this.db = db;
    this.lock = lock;
    this.readonly = lock === null;
    this.hooks = options.testHooks ?? {};
    // A full listing reads every run's row: about 2 KB a run with the listing columns, so
    // 10,000 runs are 20 MB of pages. In a page cache smaller than that (better-sqlite3's
    // default is 16 MB) each listing evicts the pages the next one needs and reads them all
    // from the OS again (about 10 ms of system CPU for 10,000 runs). Pages are cached as they
    // are read, so a small store uses little of this.
    db.pragma('cache_size = -65536');
  }

  /**
   * Opens the store in `dir`, creating it if needed (unless read-only). Writing takes the
   * store's lock, migrates an older schema, and marks runs whose process is gone as
   * interrupted. Throws StoreError: 'locked', 'foreign', 'corrupt', 'newer-schema',
   * 'missing' or 'needs-migration' (the last two only read-only).
   */
  static open(dir: string, options: OpenOptions = {}): RunStore {
    const root = resolve(dir);
    const file = join(root, DB_FILE);
    if (options.readonly) {
      const kind = inspectDatabaseFile(file);
      if (kind !== 'ours') {
        throw new StoreError('missing', `there is no Layerlab store in ${root} yet`, file);
      }
      let db: Database.Database | undefined;
      try {
        db = new Database(file, { readonly: true, fileMustExist: true });
        const version = schemaVersion(db);
        RunStore.checkVersion(version, file);
        if (version < SCHEMA_VERSION) {
          throw new StoreError(
            'needs-migration',
            `${file} has schema version ${version}, and this Layerlab reads version ${SCHEMA_VERSION}; ` +
              'opening it for writing once (any command that changes runs) upgrades it',
            file,
          );
        }
        return new RunStore(root, db, null, options);
      } catch (error) {
        db?.close();
        throw toStoreError(error, file, 'opening the store');
      }
    }

    try {
      mkdirSync(root, { recursive: true });
    } catch (error) {
      throw toStoreError(error, root, 'creating the store directory');
    }
    const lock = StoreLock.acquire(root);
    let db: Database.Database | undefined;
    try {
      const kind = inspectDatabaseFile(file);
      db = new Database(file);
      RunStore.checkVersion(schemaVersion(db), file);
      // A new store is made in rollback-journal mode, so its first commit (which sets the
      // application id) lands in the file itself; then it switches to WAL for good.
      if (kind !== 'ours') migrate(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      const store = new RunStore(root, db, lock, options);
      store.recoverOrphans();
      store.removeStrayWeightFiles();
      return store;
    } catch (error) {
      db?.close();
      lock.release();
      throw toStoreError(error, file, 'opening the store');
    }
  }

  private static checkVersion(version: number, file: string): void {
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        'newer-schema',
        `${file} was written by a newer Layerlab (schema version ${version}; this one knows up to ` +
          `${SCHEMA_VERSION}). Upgrade Layerlab to open it; it has not been modified.`,
        file,
      );
    }
  }

  /**
   * Closes the store and releases its lock. Runs this store started and did not finish
   * become 'interrupted'. Safe to call twice.
   */
  close(): void {
    if (this.db === null) return;
    if (!this.readonly) {
      try {
        this.recoverOrphans(true);
      } catch {
        // The disk may be full or the file damaged; the next open recovers these runs.
      }
    }
    this.statements.clear();
    this.db.close();
    this.db = null;
    this.lock?.release();
  }

  // ---- runs --------------------------------------------------------------------------

  /**
   * Adds a queued run and returns its id. `config` is JSON text, stored as given; the
   * hyperparameters listings show are read from it once, here (hyperparams.ts).
   */
  createRun(input: { name: string; config: string; sweepId?: string; tags?: string[]; notes?: string }): string {
    const name = checkName(input.name);
    const config = input.config;
    const values = hyperparamsOfValue(parseJson(config, 'the run config'));
    const hp = [...hyperparamColumns(values), values.unit];
    const tags = (input.tags ?? []).map(checkTag);
    const id = newId();
    this.write('createRun', `creating run '${name}'`, () => {
      if (input.sweepId !== undefined) this.sweepRow(input.sweepId);
      const now = Date.now();
      const { lastInsertRowid } = this.sql(
        `INSERT INTO runs (id, name, status, config, sweep_id, notes, created_at, updated_at, ${HP_COLUMNS.join(', ')}, hp_unit)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ${HP_COLUMNS.map(() => '?').join(', ')}, ?)`,
      ).run(id, name, config, input.sweepId ?? null, input.notes ?? '', now, now, ...hp);
      for (const tag of tags) this.sql('INSERT OR IGNORE INTO run_tags (run, tag) VALUES (?, ?)').run(lastInsertRowid, tag);
    });
    return id;
  }

  /** queued → running, owned by this process. */
  startRun(id: string): void {
    this.write('startRun', `starting run ${id}`, () => {
      const run = this.runRow(id);
      this.checkTransition(run, 'running');
      const now = Date.now();
      const owner = currentOwner();
      this.sql(
        `UPDATE runs SET status = 'running', started_at = ?, updated_at = ?, owner_pid = ?, owner_token = ?
         WHERE seq = ?`,
      ).run(now, now, owner.pid, owner.token, run.seq);
    });
  }

  /**
   * Appends metric points to a running run, all in one transaction, and updates its latest
   * metrics. A point for a step already logged replaces it. If the write fails for lack of
   * space or an I/O error, the run is marked 'failed' with the reason and the error rethrown.
   */
  appendMetrics(id: string, points: readonly MetricPoint[]): void {
    for (const p of points) checkPoint(id, p);
    if (points.length === 0) return;
    this.writeForRun(id, 'appendMetrics', `appending metrics to run ${id}`, () => this.appendPoints(id, points));
  }

  /**
   * appendMetrics for several runs in one transaction (a sweep driver's buffered points):
   * all of it is written or none. If the write fails for lack of space or an I/O error,
   * every run of the batch is marked 'failed' with the reason and the error rethrown.
   */
  appendMetricsMany(batches: readonly { id: string; points: readonly MetricPoint[] }[]): void {
    for (const b of batches) for (const p of b.points) checkPoint(b.id, p);
    const nonEmpty = batches.filter((b) => b.points.length > 0);
    if (nonEmpty.length === 0) return;
    const ids = nonEmpty.map((b) => b.id);
    this.writeForRuns(ids, 'appendMetrics', `appending metrics to run${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`, () => {
      for (const b of nonEmpty) this.appendPoints(b.id, b.points);
    });
  }

  /** Inside a write transaction: appends checked points to a running run and updates its latest metrics. */
  private appendPoints(id: string, points: readonly MetricPoint[]): void {
    const run = this.runRow(id);
    if (run.status !== 'running') {
      throw new StoreError('invalid-transition', `run ${id} is ${run.status}; metrics can only be appended while it is running`);
    }
    const insert = this.sql(
      `INSERT INTO metric_history (run, key, step, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (run, key, step) DO UPDATE SET value = excluded.value`,
    );
    const latest = new Map<number, MetricPoint>();
    for (const p of points) {
      const key = this.keyId(p.key, true);
      insert.run(run.seq, key, p.step, p.value);
      const seen = latest.get(key);
      if (!seen || p.step >= seen.step) latest.set(key, p);
    }
    const upsert = this.sql(
      `INSERT INTO latest_metrics (run, key, step, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (run, key) DO UPDATE SET step = excluded.step, value = excluded.value
       WHERE excluded.step >= latest_metrics.step`,
    );
    for (const [key, p] of latest) upsert.run(run.seq, key, p.step, p.value);
    // The same latest values on the run row, which is all a listing reads: all of them as
    // JSON, and the standard ones again as the runs table shows them.
    this.sql(`UPDATE runs SET updated_at = ?, ${REFRESH_LATEST_SQL} WHERE seq = ?`).run(Date.now(), run.seq);
  }

  /**
   * Ends a run: running (or queued) → a final status. `error` says why it failed;
   * `summary` is JSON text with the result (final figures, timings). Its final evaluation
   * (`final`, at step `steps`) becomes the run's latest metrics: see final-metrics.ts.
   */
  finishRun(id: string, status: FinalStatus, details: { error?: string; summary?: string } = {}): void {
    if (!isRunStatus(status) || !isFinal(status)) throw invalid(`'${status}' is not a final run status`);
    const summary = details.summary === undefined ? null : checkJson(details.summary, 'the run summary');
    this.write('finishRun', `finishing run ${id}`, () => {
      const run = this.runRow(id);
      this.checkTransition(run, status);
      const now = Date.now();
      this.sql(
        `UPDATE runs SET status = ?, finished_at = ?, updated_at = ?, error = ?, summary = coalesce(?, summary)
         WHERE seq = ?`,
      ).run(status, now, now, details.error ?? null, summary, run.seq);
      const final = finalEvaluationOf(summary);
      if (final) (this.finalMetrics ??= new FinalMetricsWriter(this.database)).write(run.seq, final);
    });
  }

  /** The run with this id (soft-deleted ones too). Throws StoreError 'not-found'. */
  getRun(id: string): RunDetail {
    return this.read(`reading run ${id}`, () => {
      const row = this.sql(`SELECT ${SUMMARY_COLUMNS}, r.config, r.summary, r.owner_pid, r.owner_token, r.hp FROM runs r WHERE r.id = ?`)
        .raw()
        .get(id) as [...SummaryRow, string, string | null, number | null, string | null, string] | undefined;
      if (!row) throw this.noRun(id);
      const seq = row[12];
      const [config, summary, ownerPid, ownerToken, hp] = row.slice(13) as [string, string | null, number | null, string | null, string];
      const run = toSummary(row.slice(0, 13) as SummaryRow);
      run.tags = this.sql('SELECT tag FROM run_tags WHERE run = ? ORDER BY tag').pluck().all(seq) as string[];
      const weights = this.sql('SELECT format, file, bytes, sha256, saved_at FROM weights WHERE run = ?').get(seq) as
        | { format: string; file: string; bytes: number; sha256: string; saved_at: number }
        | undefined;
      return {
        ...run,
        hp: JSON.parse(hp) as Hyperparams,
        config,
        summary,
        owner: ownerPid === null ? null : { pid: ownerPid, token: ownerToken },
        weights: weights
          ? { format: weights.format, bytes: weights.bytes, sha256: weights.sha256, savedAt: weights.saved_at, file: join(this.dir, weights.file) }
          : null,
      };
    });
  }

  /** The status of the run with this id. Throws StoreError 'not-found'. */
  getRunStatus(id: string): RunStatus {
    return this.read(`reading run ${id}`, () => this.runRow(id).status);
  }

  /**
   * The id of the run that `ref` names: an exact id, or a unique prefix of one (at least
   * 4 characters). Throws 'not-found' or 'ambiguous'.
   */
  resolveRunId(ref: string): string {
    return this.read(`looking up run ${ref}`, () => {
      if (this.sql('SELECT 1 FROM runs WHERE id = ?').get(ref)) return ref;
      if (ref.length >= 4) {
        // Ids are lower-case; a prefix is a range of the unique index on id.
        const prefix = ref.toLowerCase();
        const ids = this.sql('SELECT id FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT 6')
          .pluck()
          .all(prefix, `${prefix}\uffff`) as string[];
        if (ids.length === 1) return ids[0];
        if (ids.length > 1) {
          throw new StoreError('ambiguous', `'${ref}' matches several runs (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`);
        }
      }
      throw this.noRun(ref);
    });
  }

  /**
   * Runs with their tags and latest metrics, filtered, sorted and paged. Read as columns
   * (listAggregate), like listRunColumns, the latest metrics from their blobs
   * (`latest_numbers`) instead of their JSON, and made into objects here.
   */
  listRuns(options: ListRunsOptions = {}): RunSummary[] {
    return this.read('listing runs', () => {
      const query = listQuery(options, (key) => this.keyId(key, false), SUMMARY_LIST_COLUMNS);
      const listed = this.listed(query, true);
      const { id, name, notes, error, numbers, n } = listed;
      const shared = this.sharedFields(numbers.list_shared);
      const metrics = listed.latest!;
      const tags = this.tagsOf(numbers.seq);
      const { created_at, started_at, finished_at, updated_at, deleted_at } = numbers;
      const orNull = (v: number) => (Number.isNaN(v) ? null : v);
      const runs = new Array<RunSummary>(n);
      for (let i = 0; i < n; i++) {
        const fields = shared.values[shared.codes[i]];
        runs[i] = {
          id: id[i],
          name: name[i],
          status: fields.status,
          sweepId: fields.sweepId,
          createdAt: created_at[i],
          startedAt: orNull(started_at[i]),
          finishedAt: orNull(finished_at[i]),
          updatedAt: updated_at[i],
          error: error![i],
          notes: notes[i],
          tags: tags[i] ?? [],
          deletedAt: orNull(deleted_at[i]),
          metrics: metrics[i],
        };
      }
      return runs;
    });
  }

  /**
   * Runs as the runs table shows them (RunTableRow: the table's hyperparameters and
   * standard metrics, the sweep's name, the duration), with the same filters, sorting and
   * paging as listRuns.
   */
  listRunTable(options: ListRunsOptions = {}): RunTableRow[] {
    return JSON.parse(this.listRunTableJson(options).json) as RunTableRow[];
  }

  /**
   * listRunTable's rows as one JSON array text (`json`, with `rows` runs), made by SQLite
   * from the run rows: neither a config nor a metric table is read, and no object is built.
   * This is what the API sends the runs view.
   */
  listRunTableJson(options: ListRunsOptions = {}): { json: string; rows: number } {
    return this.read('listing runs', () => {
      const query = listQuery(options, (key) => this.keyId(key, false), TABLE_ROW_JSON);
      const rows = this.pageRows<string>(query, 'pluck');
      // Concatenated, not joined: V8 makes a rope of it, flattened once when it is sent.
      let json = '[';
      for (let i = 0; i < rows.length; i++) json += i === 0 ? rows[i] : `,${rows[i]}`;
      return { json: `${json}]`, rows: rows.length };
    });
  }

  /**
   * listRunTable's runs as columns (RunColumns): one array per field, the fields many runs
   * share as a small dictionary (list_shared), numbers in Float64Arrays. SQLite makes each
   * part of the listing into one row of four values (listAggregate: JSON arrays of the ids,
   * names and notes, and the runs' number blobs one after the other), so no value is handed
   * over and no object built per run: the cheapest listing the store can give, which the
   * runs view reads (the API's runs.table). The same filters, sorting and paging as listRuns.
   */
  listRunColumns(options: ListRunsOptions = {}): RunColumns {
    return this.read('listing runs', () => {
      const query = listQuery(options, (key) => this.keyId(key, false), TABLE_COLUMNS);
      const { id, name, notes, numbers: columns, n } = this.listed(query, false);
      const { created_at, started_at, finished_at, updated_at } = columns;
      const durationMs = new Float64Array(n);
      for (let i = 0; i < n; i++) durationMs[i] = (Number.isNaN(finished_at[i]) ? updated_at[i] : finished_at[i]) - started_at[i];
      const numbers: TableNumbers = {
        createdAt: created_at,
        startedAt: started_at,
        durationMs,
        learning_rate: columns.hp_learning_rate,
        steps: columns.hp_steps,
        train_cost: columns.tm_train_cost,
        test_cost: columns.tm_test_cost,
        train_accuracy: columns.tm_train_accuracy,
        test_accuracy: columns.tm_test_accuracy,
        step: columns.tm_step,
      };
      return { count: n, id, name, notes, shared: this.sharedFields(columns.list_shared), numbers, tags: this.tagColumn(columns.seq) };
    });
  }

  /**
   * A listing's page as columns (listAggregate, part by part): the runs' ids, names and
   * notes, their numbers (LIST_NUMBERS), and with `summary` their errors and latest metrics.
   */
  private listed(query: ListQuery, summary: boolean) {
    const parts = this.pageParts(
      query,
      (sql, params) => this.sql(listAggregate(sql, summary)).raw().get(...params) as ListAggregate,
      (row) => (row[3] === null ? 0 : row[3].byteLength / LIST_NUMBERS_BYTES),
    );
    const ids: string[][] = [];
    const names: string[][] = [];
    const texts: string[][] = [];
    const errors: (string | null)[][] = [];
    const metrics: Record<string, LatestMetric>[][] = [];
    const blobs: Buffer[] = [];
    const keyOf = summary ? new Map(this.sql('SELECT id, key FROM metric_keys').raw().all() as [number, string][]) : null;
    for (const row of parts) {
      if (row[3] === null) continue;
      ids.push(JSON.parse(row[0]) as string[]);
      names.push(JSON.parse(row[1]) as string[]);
      texts.push(JSON.parse(row[2]) as string[]);
      if (summary) {
        errors.push(JSON.parse(row[4]!) as (string | null)[]);
        metrics.push(latestMetricsOf(row[5]!, ids[ids.length - 1].length, keyOf!));
      }
      blobs.push(row[3]);
    }
    // Most listings are one part; a metric's are two (the runs with a value, then the others).
    const joined = <T>(arrays: T[][]): T[] => (arrays.length === 1 ? arrays[0] : arrays.flat());
    const [id, name, notes, error, latest] = [joined(ids), joined(names), joined(texts), joined(errors), joined(metrics)];
    const numbers = listNumberColumns(blobs.length === 1 ? blobs[0] : Buffer.concat(blobs));
    const n = numbers.seq.length;
    if (id.length !== n || name.length !== n || notes.length !== n || (summary && (error.length !== n || latest.length !== n))) {
      throw new Error(`a listing of ${n} runs' numbers has ${id.length} ids, ${name.length} names, ${notes.length} notes, ${error.length} errors and ${latest.length} metrics`);
    }
    return { n, id, name, notes, numbers, error: summary ? error : undefined, latest: summary ? latest : undefined };
  }

  /** The shared fields of listed runs from their list_shared ids, as a dictionary numbered in order of first use. */
  private sharedFields(sharedIds: Float64Array): RunColumns['shared'] {
    const n = sharedIds.length;
    const codes = new Array<number>(n);
    const codeOf = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      let code = codeOf.get(sharedIds[i]);
      if (code === undefined) codeOf.set(sharedIds[i], (code = codeOf.size));
      codes[i] = code;
    }
    if (n === 0) return { values: [], codes };
    const keyOf = new Map(this.sql(SHARED_KEYS).raw().all(JSON.stringify([...codeOf.keys()])) as [number, string][]);
    const sweepNames = new Map(this.sql('SELECT id, name FROM sweeps').raw().all() as [string, string][]);
    const values = [...codeOf.keys()].map((sharedId): SharedFields => {
      const text = keyOf.get(sharedId);
      if (text === undefined) throw new Error(`runs refer to shared fields ${sharedId}, which list_shared does not hold`);
      const [status, sweepId, data, hidden, activation, optimizer, unit, deleted] = JSON.parse(text) as [
        RunStatus, string | null, string | null, string | null, string | null, string | null, string | null, number,
      ];
      return {
        status,
        sweepId,
        sweepName: sweepId === null ? null : (sweepNames.get(sweepId) ?? null),
        // Unknowns as hyperparams.ts makes them, for rows it never filled.
        data: data ?? '?',
        hidden: hidden === null ? [] : (JSON.parse(hidden) as number[]),
        activation: activation ?? '?',
        optimizer: optimizer ?? 'gd',
        unit: unit === 'epoch' ? 'epoch' : 'iteration',
        deleted: deleted === 1,
      };
    });
    return { values, codes };
  }

  /** Each listed run's tags (by the runs' seqs), in tag order; undefined for a run without any. */
  private tagsOf(seqs: Float64Array): (string[] | undefined)[] {
    const out = new Array<string[] | undefined>(seqs.length);
    if (seqs.length === 0) return out;
    const bySeq = this.tagsBySeq(seqs);
    for (let i = 0; i < seqs.length; i++) out[i] = bySeq.get(seqs[i]);
    return out;
  }

  /** The tags of the runs with these seqs (and maybe of others), by seq, each run's in tag order. */
  private tagsBySeq(seqs: Float64Array): Map<number, string[]> {
    // A page's tags by its runs' keys; a long listing's all at once, those of runs it does
    // not hold never asked for (cheaper than filtering them in SQL by the listing's filter).
    const tags = (
      seqs.length <= 500 ? this.sql(TAGS_OF_RUNS).raw().all(JSON.stringify([...seqs])) : this.sql('SELECT run, tag FROM run_tags ORDER BY tag').raw().all()
    ) as [number, string][];
    // Tagged runs are few: index the tags by run, then walk the rows once.
    const bySeq = new Map<number, string[]>();
    for (const [seq, tag] of tags) {
      const list = bySeq.get(seq);
      if (list) list.push(tag);
      else bySeq.set(seq, [tag]);
    }
    return bySeq;
  }

  /** The (row, tag) pairs of a columnar listing whose runs have these seqs, in tag order. */
  private tagColumn(seqs: Float64Array): RunColumns['tags'] {
    const out: RunColumns['tags'] = { rows: [], tags: [] };
    if (seqs.length === 0) return out;
    const bySeq = this.tagsBySeq(seqs);
    if (bySeq.size === 0) return out;
    for (let i = 0; i < seqs.length; i++) {
      const list = bySeq.get(seqs[i]);
      if (list === undefined) continue;
      for (const tag of list) {
        out.rows.push(i);
        out.tags.push(tag);
      }
    }
    return out;
  }

  /** How many runs a listing with these options would have without its limit and offset. */
  countRuns(options: ListRunsOptions = {}): number {
    return this.read('counting runs', () => {
      const query = listQuery({ ...options, limit: undefined, offset: undefined }, () => undefined);
      return this.sql(query.count).pluck().get(...query.filterParams) as number;
    });
  }

  /** The rows of a listing's page: its parts one after the other, the page spanning them as if they were one query. */
  private pageRows<Row>(query: ListQuery, mode: 'raw' | 'pluck' = 'raw'): Row[] {
    const parts = this.pageParts(
      query,
      (sql, params) => {
        const statement = this.sql(sql);
        return (mode === 'raw' ? statement.raw() : statement.pluck()).all(...params) as Row[];
      },
      (rows) => rows.length,
    );
    return parts.length === 1 ? parts[0] : parts.flat();
  }

  /**
   * A listing's page, as what `run` makes of each part's query (its SQL with LIMIT and
   * OFFSET, and their parameters last), `size` saying how many runs that holds. The page
   * spans the parts as if they were one query.
   */
  private pageParts<Part>(query: ListQuery, run: (sql: string, params: unknown[]) => Part, size: (part: Part) => number): Part[] {
    const out: Part[] = [];
    let { limit, offset } = query;
    for (const part of query.parts) {
      const got = run(part.sql.replace(PAGE, 'LIMIT ? OFFSET ?'), [...part.params, limit, offset]);
      const rows = size(got);
      out.push(got);
      if (limit >= 0) {
        limit -= rows;
        if (limit === 0) break;
      }
      // This part ran out: the offset left for the next is what this part did not cover.
      if (offset > 0) {
        const count = rows > 0 ? offset : (this.sql(`SELECT count(*) FROM (${part.sql.replace(PAGE, '')})`).pluck().get(...part.params) as number);
        offset -= count;
      }
    }
    return out;
  }

  /** Every metric key any run has logged, sorted. */
  metricKeys(): string[] {
    return this.read('listing metric keys', () => this.sql('SELECT key FROM metric_keys ORDER BY key').pluck().all() as string[]);
  }

  /** A run's logged points, by key then step; only those of `key` if given. NaN reads back as NaN. */
  history(id: string, key?: string): MetricPoint[] {
    return this.read(`reading the history of run ${id}`, () => {
      const run = this.runRow(id);
      const rows = (
        key === undefined
          ? this.sql(
              `SELECT k.key, h.step, h.value FROM metric_history h JOIN metric_keys k ON k.id = h.key
               WHERE h.run = ? ORDER BY k.key, h.step`,
            ).all(run.seq)
          : this.sql(
              `SELECT k.key, h.step, h.value FROM metric_history h JOIN metric_keys k ON k.id = h.key
               WHERE h.run = ? AND k.key = ? ORDER BY h.step`,
            ).all(run.seq, key)
      ) as { key: string; step: number; value: number | null }[];
      return rows.map((r) => ({ key: r.key, step: r.step, value: r.value === null ? NaN : r.value }));
    });
  }

  // ---- weights -----------------------------------------------------------------------

  /**
   * Stores a run's weights (replacing earlier ones) in a file under weights/. The file is
   * written and synced under a new name before the database points to it, so a crash
   * leaves either the old weights or the new ones, never half of them.
   */
  saveWeights(id: string, bytes: Uint8Array, format: string): WeightsInfo {
    if (!WEIGHTS_FORMAT.test(format)) throw invalid(`'${format}' is not a weights format name (letters, digits, . _ -)`);
    this.assertWritable();
    const run = this.read(`saving the weights of run ${id}`, () => this.runRow(id));
    const relative = `${WEIGHTS_DIR}/${id}-${Date.now().toString(36)}.bin`;
    const path = join(this.dir, relative);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const savedAt = Date.now();
    let previous: string | undefined;
    try {
      this.writeForRun(id, 'saveWeights', `saving the weights of run ${id}`, () => {
        previous = this.sql('SELECT file FROM weights WHERE run = ?').pluck().get(run.seq) as string | undefined;
        this.writeFileSynced(path, bytes);
        this.sql(
          `INSERT INTO weights (run, format, file, bytes, sha256, saved_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (run) DO UPDATE SET format = excluded.format, file = excluded.file,
             bytes = excluded.bytes, sha256 = excluded.sha256, saved_at = excluded.saved_at`,
        ).run(run.seq, format, relative, bytes.byteLength, sha256, savedAt);
        this.sql('UPDATE runs SET updated_at = ? WHERE seq = ?').run(savedAt, run.seq);
      });
    } catch (error) {
      removeQuietly(path);
      removeQuietly(`${path}.tmp`);
      throw error;
    }
    if (previous !== undefined && previous !== relative) removeQuietly(join(this.dir, previous));
    return { format, bytes: bytes.byteLength, sha256, savedAt, file: path };
  }

  /** A run's weights, checked against their recorded size and hash; null if none were saved. */
  loadWeights(id: string): { bytes: Uint8Array; format: string; savedAt: number } | null {
    const info = this.getRun(id).weights;
    if (info === null) return null;
    let bytes: Buffer;
    try {
      bytes = readFileSync(info.file);
    } catch (error) {
      throw toStoreError(error, info.file, `reading the weights of run ${id}`);
    }
    if (bytes.byteLength !== info.bytes || createHash('sha256').update(bytes).digest('hex') !== info.sha256) {
      throw new StoreError(
        'corrupt',
        `${info.file} (the weights of run ${id}) is damaged: it does not match the size and hash recorded when it was saved`,
        info.file,
      );
    }
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), format: info.format, savedAt: info.savedAt };
  }

  // ---- editing -----------------------------------------------------------------------

  tag(id: string, tag: string): void {
    const clean = checkTag(tag);
    this.edit(id, `tagging run ${id}`, (run) => {
      this.sql('INSERT OR IGNORE INTO run_tags (run, tag) VALUES (?, ?)').run(run.seq, clean);
    });
  }

  untag(id: string, tag: string): void {
    this.edit(id, `untagging run ${id}`, (run) => {
      this.sql('DELETE FROM run_tags WHERE run = ? AND tag = ?').run(run.seq, tag.trim());
    });
  }

  /** Replaces the run's notes (free text; '' clears them). */
  setNote(id: string, notes: string): void {
    if (typeof notes !== 'string' || notes.length > 100_000) throw invalid('notes must be text of at most 100,000 characters');
    this.edit(id, `writing the notes of run ${id}`, (run) => {
      this.sql('UPDATE runs SET notes = ? WHERE seq = ?').run(notes, run.seq);
    });
  }

  rename(id: string, name: string): void {
    const clean = checkName(name);
    this.edit(id, `renaming run ${id}`, (run) => {
      this.sql('UPDATE runs SET name = ? WHERE seq = ?').run(clean, run.seq);
    });
  }

  /** Hides a run from listings; `restore` brings it back. A running run cannot be deleted. */
  softDelete(id: string): void {
    this.edit(id, `deleting run ${id}`, (run) => {
      if (run.status === 'running') throw new StoreError('invalid-transition', `run ${id} is running; stop it before deleting it`);
      this.sql('UPDATE runs SET deleted_at = coalesce(deleted_at, ?) WHERE seq = ?').run(Date.now(), run.seq);
    });
  }

  restore(id: string): void {
    this.edit(id, `restoring run ${id}`, (run) => {
      this.sql('UPDATE runs SET deleted_at = NULL WHERE seq = ?').run(run.seq);
    });
  }

  /** Removes a run for good: its rows, its history and its weight files. Not while it runs. */
  purge(id: string): void {
    this.write('purge', `purging run ${id}`, () => {
      const run = this.runRow(id);
      if (run.status === 'running') throw new StoreError('invalid-transition', `run ${id} is running; stop it before purging it`);
      for (const table of ['metric_history', 'latest_metrics', 'run_tags', 'weights']) {
        this.sql(`DELETE FROM ${table} WHERE run = ?`).run(run.seq);
      }
      this.sql('DELETE FROM runs WHERE seq = ?').run(run.seq);
    });
    // After the commit: a crash before this leaves only unreferenced files behind.
    const weightsDir = join(this.dir, WEIGHTS_DIR);
    let files: string[] = [];
    try {
      files = readdirSync(weightsDir);
    } catch {
      // No weights folder: nothing to remove.
    }
    for (const f of files) if (f.startsWith(`${id}-`)) removeQuietly(join(weightsDir, f));
  }

  // ---- sweeps ------------------------------------------------------------------------

  /** Adds a queued sweep and returns its id. `spec` is JSON text, stored as given. */
  createSweep(input: { name: string; spec: string }): string {
    const name = checkName(input.name, 'a sweep name');
    const spec = checkJson(input.spec, 'the sweep spec');
    const id = newId();
    this.write('sweep', `creating sweep '${name}'`, () => {
      const now = Date.now();
      this.sql(
        `INSERT INTO sweeps (id, name, spec, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)`,
      ).run(id, name, spec, now, now);
    });
    return id;
  }

  getSweep(id: string): SweepInfo {
    return this.read(`reading sweep ${id}`, () => sweepInfo(this.sweepRow(id)));
  }

  /** All sweeps, newest first. */
  listSweeps(): SweepInfo[] {
    return this.read('listing sweeps', () =>
      (this.sql('SELECT * FROM sweeps ORDER BY created_at DESC, id DESC').all() as SweepRow[]).map(sweepInfo),
    );
  }

  /** Moves a sweep along the same transitions as a run (running: owned by this process). */
  setSweepStatus(id: string, status: SweepStatus, details: { error?: string } = {}): void {
    this.write('sweep', `updating sweep ${id}`, () => {
      const sweep = this.sweepRow(id);
      if (!canTransition(sweep.status, status)) {
        throw new StoreError('invalid-transition', transitionMessage(`sweep ${id}`, sweep.status, status));
      }
      const now = Date.now();
      if (status === 'running') {
        const owner = currentOwner();
        this.sql(
          `UPDATE sweeps SET status = ?, started_at = ?, updated_at = ?, owner_pid = ?, owner_token = ? WHERE id = ?`,
        ).run(status, now, now, owner.pid, owner.token, id);
      } else {
        this.sql('UPDATE sweeps SET status = ?, finished_at = ?, updated_at = ?, error = ? WHERE id = ?').run(
          status,
          now,
          now,
          details.error ?? null,
          id,
        );
      }
    });
  }

  /**
   * Runs an ended sweep again (`layerlab sweep --resume`): interrupted, cancelled, stopped
   * or failed → running, owned by this process. A completed sweep has nothing left to run;
   * a queued one is started with setSweepStatus. Its runs keep their own statuses.
   */
  reopenSweep(id: string): void {
    this.write('sweep', `reopening sweep ${id}`, () => {
      const sweep = this.sweepRow(id);
      if (sweep.status === 'queued' || sweep.status === 'running' || sweep.status === 'completed') {
        throw new StoreError(
          'invalid-transition',
          `sweep ${id} is ${sweep.status}; only a sweep that ended without completing can be reopened`,
        );
      }
      const owner = currentOwner();
      this.sql(
        `UPDATE sweeps SET status = 'running', finished_at = NULL, error = NULL, updated_at = ?, owner_pid = ?, owner_token = ?
         WHERE id = ?`,
      ).run(Date.now(), owner.pid, owner.token, id);
    });
  }

  // ---- internals ---------------------------------------------------------------------

  private get database(): Database.Database {
    if (this.db === null) throw new StoreError('closed', `the store ${this.dir} is closed`);
    return this.db;
  }

  /** A prepared statement, prepared once per store. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.database.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private assertWritable(): void {
    if (this.readonly) throw new StoreError('read-only', `the store ${this.dir} is open read-only`);
    void this.database;
  }

  private read<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw toStoreError(error, this.file, doing);
    }
  }

  /** Runs `fn` in one write transaction; any error rolls it back and is rethrown as a StoreError. */
  private write<T>(operation: WriteOperation, doing: string, fn: () => T): T {
    this.assertWritable();
    try {
      return this.database
        .transaction(() => {
          this.hooks.beforeWrite?.(operation);
          return fn();
        })
        .immediate();
    } catch (error) {
      // Metric keys interned by the rolled-back transaction are gone again.
      this.keyIds.clear();
      throw toStoreError(error, this.file, doing);
    }
  }

  /** Like `write`, but a storage failure (full disk, I/O error) also marks the run failed. */
  private writeForRun<T>(id: string, operation: WriteOperation, doing: string, fn: () => T): T {
    return this.writeForRuns([id], operation, doing, fn);
  }

  /** Like `write`, but a storage failure (full disk, I/O error) also marks these runs failed. */
  private writeForRuns<T>(ids: readonly string[], operation: WriteOperation, doing: string, fn: () => T): T {
    try {
      return this.write(operation, doing, fn);
    } catch (error) {
      const storeError = toStoreError(error, this.file, doing);
      if (storeError.code === 'full' || storeError.code === 'io' || storeError.code === 'corrupt') {
        for (const id of ids) this.failRun(id, `the store could not be written: ${storeError.message}`);
      }
      throw storeError;
    }
  }

  /** Best effort: marks a running run failed. If even that cannot be written, the next open marks it interrupted. */
  private failRun(id: string, reason: string): void {
    try {
      this.write('failRun', `marking run ${id} failed`, () => {
        const now = Date.now();
        this.sql(
          `UPDATE runs SET status = 'failed', error = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
        ).run(reason, now, now, id);
      });
    } catch {
      // Still failing; see above.
    }
  }

  private edit(id: string, doing: string, fn: (run: RunRow) => void): void {
    this.write('edit', doing, () => fn(this.runRow(id)));
  }

  private writeFileSynced(path: string, bytes: Uint8Array): void {
    mkdirSync(join(this.dir, WEIGHTS_DIR), { recursive: true });
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w');
    const writeAll = (part: Uint8Array) => {
      for (let written = 0; written < part.byteLength; ) written += writeSync(fd, part, written);
    };
    try {
      const half = bytes.byteLength >> 1;
      writeAll(bytes.subarray(0, half));
      this.hooks.beforeWrite?.('weightsFile');
      writeAll(bytes.subarray(half));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  }

  private runRow(id: string): RunRow {
    const row = this.sql('SELECT seq, id, status FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw this.noRun(id);
    return row;
  }

  private sweepRow(id: string): SweepRow {
    const row = this.sql('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    if (!row) throw new StoreError('not-found', `there is no sweep '${id}' in ${this.dir}`);
    return row;
  }

  private noRun(id: string): StoreError {
    return new StoreError('not-found', `there is no run '${id}' in ${this.dir}`);
  }

  private checkTransition(run: RunRow, to: RunStatus): void {
    if (!canTransition(run.status, to)) {
      throw new StoreError('invalid-transition', transitionMessage(`run ${run.id}`, run.status, to));
    }
  }

  /** The id of a metric key; with `create`, interns a new key (inside a write transaction). */
  private keyId(key: string, create: true): number;
  private keyId(key: string, create: false): number | undefined;
  private keyId(key: string, create: boolean): number | undefined {
    let id = this.keyIds.get(key);
    if (id !== undefined) return id;
    id = this.sql('SELECT id FROM metric_keys WHERE key = ?').pluck().get(key) as number | undefined;
    if (id === undefined && create) {
      id = Number(this.sql('INSERT INTO metric_keys (key) VALUES (?)').run(key).lastInsertRowid);
    }
    if (id !== undefined) this.keyIds.set(key, id);
    return id;
  }

  /**
   * Deletes files in weights/ that no row points to: temporary files of a save that was cut
   * short, and saved files whose database commit never happened. Only the lock holder
   * writes weights, so at open every such file is garbage.
   */
  private removeStrayWeightFiles(): void {
    const folder = join(this.dir, WEIGHTS_DIR);
    let files: string[];
    try {
      files = readdirSync(folder);
    } catch {
      return; // no weights yet
    }
    const referenced = new Set(
      (this.sql('SELECT file FROM weights').pluck().all() as string[]).map((f) => f.slice(WEIGHTS_DIR.length + 1)),
    );
    for (const f of files) if (!referenced.has(f)) removeQuietly(join(folder, f));
  }

  /**
   * Marks 'running' runs and sweeps interrupted whose owner is gone. At open that is any
   * owner that no longer runs, and this process itself (an earlier store object in this
   * process that was never closed); at close (`mineOnly`) only this process's.
   */
  private recoverOrphans(mineOnly = false): void {
    const me = currentOwner();
    const isMe = (o: Owner) => o.pid === me.pid && o.token === me.token;
    for (const table of ['runs', 'sweeps'] as const) {
      const running = this.sql(`SELECT id, owner_pid, owner_token, updated_at FROM ${table} WHERE status = 'running'`).all() as {
        id: string;
        owner_pid: number | null;
        owner_token: string | null;
        updated_at: number;
      }[];
      const orphans = running.filter((r) => {
        if (r.owner_pid === null) return !mineOnly;
        const owner = { pid: r.owner_pid, token: r.owner_token };
        return isMe(owner) || (!mineOnly && !isOwnerAlive(owner));
      });
      if (orphans.length === 0) continue;
      this.write('recover', 'marking interrupted runs', () => {
        const now = Date.now();
        for (const r of orphans) {
          const reason = mineOnly
            ? `the store was closed while it was running`
            : `the process that ran it (pid ${r.owner_pid}) ended without finishing it; found at ${new Date(now).toISOString()}`;
          this.sql(
            `UPDATE ${table} SET status = 'interrupted', error = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running'`,
          ).run(reason, r.updated_at, now, r.id);
        }
      });
    }
  }
}

function sweepInfo(row: SweepRow): SweepInfo {
  return {
    id: row.id,
    name: row.name,
    spec: row.spec,
    status: row.status,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    error: row.error,
    notes: row.notes,
  };
}

function transitionMessage(what: string, from: RunStatus, to: RunStatus): string {
  const allowed = nextStatuses(from);
  return `${what} is ${from} and cannot become ${to} (${allowed.length ? `from ${from} it can become ${allowed.join(', ')}` : `${from} is final`})`;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
