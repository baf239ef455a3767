/**
 * Schema migrations: a store written at schema version 1 opens, upgrades in place with
 * its data intact, and a failing migration leaves the store as it was.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, RunStore, SCHEMA_VERSION, StoreError } from '../../src-main/store';
import { APPLICATION_ID, MIGRATIONS, migrate, schemaVersion } from '../../src-main/store/schema';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-migrate-'));
  file = path.join(dir, DB_FILE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store as Layerlab wrote it at schema version 1: one finished run with history and a tag. */
function writeVersion1Store(): void {
  const db = new Database(file);
  migrate(db, 1);
  db.pragma('journal_mode = WAL');
  db.exec(`
    INSERT INTO runs (seq, id, name, status, config, created_at, started_at, finished_at, updated_at, latest)
    VALUES (1, '0mwyaaaaaaaaa', 'from v1', 'completed', '{"lr":1.2}', 1000, 1001, 2000, 2000,
            '{"train_cost":{"value":0.25,"step":1}}');
    INSERT INTO metric_keys (id, key) VALUES (1, 'train_cost');
    INSERT INTO metric_history (run, key, step, value) VALUES (1, 1, 0, 0.5), (1, 1, 1, 0.25);
    INSERT INTO latest_metrics (run, key, step, value) VALUES (1, 1, 1, 0.25);
    INSERT INTO run_tags (run, tag) VALUES (1, 'old');
  `);
  db.close();
}

describe('schema migrations', () => {
  it('numbers the migrations 1, 2, … and marks the file as Layerlab’s from the first', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    writeVersion1Store();
    expect(readFileSync(file).readUInt32BE(68)).toBe(APPLICATION_ID);
  });

  it('upgrades a version 1 store on a writing open, keeping its runs', () => {
    writeVersion1Store();
    const store = RunStore.open(dir);
    try {
      const run = store.getRun('0mwyaaaaaaaaa');
      expect(run).toMatchObject({ name: 'from v1', status: 'completed', config: '{"lr":1.2}', tags: ['old'], sweepId: null });
      expect(run.metrics).toEqual({ train_cost: { value: 0.25, step: 1 } });
      expect(store.history(run.id).map((p) => p.value)).toEqual([0.5, 0.25]);
      // Version 2 brought sweeps.
      const sweep = store.createSweep({ name: 'after the upgrade', spec: '{}' });
      const trial = store.createRun({ name: 'trial', config: '{}', sweepId: sweep });
      expect(store.listRuns({ sweepId: sweep }).map((r) => r.id)).toEqual([trial]);
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('does not upgrade on a read-only open, and says how to', () => {
    writeVersion1Store();
    const before = readFileSync(file);
    let error: unknown;
    try {
      RunStore.open(dir, { readonly: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('needs-migration');
    expect((error as StoreError).message).toBe(
      `${file} has schema version 1, and this Layerlab reads version ${SCHEMA_VERSION}; ` +
        'opening it for writing once (any command that changes runs) upgrades it',
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('rolls a failing migration back whole, leaving the earlier version', () => {
    writeVersion1Store();
    const db = new Database(file);
    const failing = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 2,
        description: 'fails halfway',
        up(d: Database.Database) {
          d.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('disk pulled out');
        },
      },
    ];
    expect(() => migrate(db, 2, failing)).toThrow('disk pulled out');
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    db.close();
    // The real migrations still apply afterwards.
    RunStore.open(dir).close();
  });
});
