/**
 * The API's contract, through a connection's dispatch as both transports use it: every
 * method on a temporary store, and the refusals (malformed, unknown, invalid, too large).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_LIMITS, ApiError, base64ToBytes, base64ToFloat32 } from '../../src-api';
import { type ApiFixture, openApi, planarConfig } from './helpers';

let f: ApiFixture;
beforeEach(() => {
  f = openApi();
});
afterEach(async () => {
  await f.close();
});

async function trained(config = planarConfig()) {
  const { id } = await f.client.call('runs.start', { config });
  await f.api.trainer.wait(id);
  return id;
}

describe('refusals', () => {
  it('answers text that is not JSON as malformed', async () => {
    const response = (await f.raw('{"id": 1, "method"')) as { ok: boolean; error: { code: string; message: string } };
    expect(response.ok).toBe(false);
    expect(response.error.code).toBe('malformed');
    expect(response.error.message).toMatch(/must be JSON/);
  });

  it('answers JSON that is not a request as malformed', async () => {
    for (const text of ['[]', '42', '{"id": "x", "method": "runs.list"}', '{"id": 1}', '{"id": 1, "method": "runs.list", "extra": 1}']) {
      const response = (await f.raw(text)) as { ok: boolean; error: { code: string } };
      expect(response.error.code, text).toBe('malformed');
    }
  });

  it('names an unknown method', async () => {
    const response = (await f.raw('{"id": 3, "method": "runs.drop", "params": {}}')) as { id: number; error: { code: string; message: string } };
    expect(response).toMatchObject({ id: 3, ok: false, error: { code: 'unknown-method', message: "there is no method 'runs.drop'" } });
  });

  it('refuses a request over the size limit before parsing it', async () => {
    const big = JSON.stringify({ id: 1, method: 'runs.update', params: { id: 'x', notes: 'a'.repeat(API_LIMITS.maxRequestBytes) } });
    const response = (await f.raw(big)) as { error: { code: string } };
    expect(response.error.code).toBe('too-large');
  });

  it('checks params against the method schema and names the field', async () => {
    const response = (await f.raw(JSON.stringify({ id: 1, method: 'runs.get', params: { id: '../etc/passwd' } }))) as {
      error: { code: string; issues: { path: string }[] };
    };
    expect(response.error.code).toBe('invalid');
    expect(response.error.issues[0].path).toBe('id');
  });

  it('reports config errors at their fields, worded as the config does', async () => {
    const config = planarConfig();
    const bad = { ...config, train: { ...config.train, learning_rate: -1, itertions: 5 } };
    const error = await f.client.call('runs.start', { config: bad as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const issues = (error as ApiError).issues!;
    expect(issues).toContainEqual({ path: 'config.train.learning_rate', message: 'must be > 0' });
    expect(issues).toContainEqual({ path: 'config.train.itertions', message: 'unknown field; did you mean "iterations"?' });
    expect(f.store.listRuns()).toHaveLength(0);
  });

  it('refuses configs that name files the workbench was not given', async () => {
    const config = {
      data: { train: { csv: { file: '/etc/passwd', label: 'y' } } },
      model: { hidden: [2] },
      train: { learning_rate: 0.1, iterations: 10 },
      init: { method: 'file', file: '../../secret.npz' },
    };
    const error = (await f.client.call('runs.start', { config: config as never }).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('invalid');
    expect(error.issues!.map((i) => i.path)).toEqual(['config.data.train.csv.file', 'config.init.file']);
    expect(error.issues![0].message).toMatch(/names a file the workbench was not given \(\/etc\/passwd\)/);
    const spec = { base: planarConfig(), parameters: { 'data.train': [{ csv: { file: '/etc/shadow', label: 'y' } }] } };
    const sweepError = (await f.client.call('sweeps.start', { spec }).catch((e: unknown) => e)) as ApiError;
    expect(sweepError.code).toBe('invalid');
    expect(sweepError.issues![0].path).toBe('trial 0: data.train.csv.file');
    expect(f.store.listRuns()).toHaveLength(0);
    expect(f.store.listSweeps()).toHaveLength(0);
    // Files inside the store's imports folder are the workbench's own.
    expect(f.api.files.allowed(`${f.store.dir}/imports/data.csv`)).toBe(true);
    expect(f.api.files.allowed(`${f.store.dir}/imports/../layerlab.db`)).toBe(false);
  });

  it('says not-found for a run that does not exist', async () => {
    await expect(f.client.call('runs.get', { id: 'nope' })).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('runs', () => {
  it('trains a run, streams its progress and boundary, and records it as layerlab train does', async () => {
    const { id } = await f.client.call('runs.start', { config: planarConfig() });
    await f.client.call('runs.watch', { ids: [id] });
    await f.api.trainer.wait(id);
    await new Promise((r) => setTimeout(r, 30));

    const statuses = f.events.filter((e) => e.type === 'run.status').map((e) => (e as { status: string }).status);
    expect(statuses).toEqual(['queued', 'running', 'completed']);
    const entries = f.events.flatMap((e) => (e.type === 'run.progress' ? e.entries : []));
    expect(entries.map((e) => e.iteration)).toEqual([0, 50, 100, 150, 200, 250, 299]);
    expect(f.events.some((e) => e.type === 'run.boundary')).toBe(true);

    const detail = await f.client.call('runs.get', { id });
    expect(detail).toMatchObject({ status: 'completed', hasWeights: true, inputs: 2, hp: { data: 'planar', hidden: [4], activation: 'tanh' } });
    expect(detail.checkpoints.at(-1)).toBe(300);
    expect(detail.summary?.final?.train_accuracy).toBeGreaterThan(0.8);

    const history = await f.client.call('runs.history', { id });
    expect(history.series.train_cost.steps).toEqual([0, 50, 100, 150, 200, 250, 299]);
    const later = await f.client.call('runs.history', { id, after: 150 });
    expect(later.series.train_cost.steps).toEqual([200, 250, 299]);
    expect(history.series.test_accuracy.values.length).toBe(7);

    const list = await f.client.call('runs.list', {});
    expect(list.runs.map((r) => r.id)).toEqual([id]);
    expect(list.runs[0].metrics.train_accuracy).toBeCloseTo(detail.metrics.train_accuracy!, 12);
  });

  it('computes the decision boundary, points and confusion matrix of the final weights and of checkpoints', async () => {
    const id = await trained();
    const b = await f.client.call('runs.boundary', { id, grid: 50 });
    const probs = base64ToFloat32(b.boundary.probs);
    expect(probs.length).toBe(50 * 50);
    expect(Math.min(...probs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...probs)).toBeLessThanOrEqual(1);
    expect(b.train.count).toBe(150);
    expect(b.test?.count).toBe(50);
    expect(b.confusionSet).toBe('test');
    expect(b.confusion.flat().reduce((s, n) => s + n, 0)).toBe(50);
    // Predicted labels agree with the confusion matrix's diagonal.
    const label = base64ToBytes(b.test!.label), predicted = base64ToBytes(b.test!.predicted!);
    const correct = label.filter((l, i) => l === predicted[i]).length;
    expect(correct).toBe(b.confusion[0][0] + b.confusion[1][1]);

    const detail = await f.client.call('runs.get', { id });
    const early = await f.client.call('runs.boundary', { id, step: detail.checkpoints[0], grid: 50 });
    expect(early.boundary.step).toBe(0);
    expect(early.boundary.probs).not.toBe(b.boundary.probs);
    await expect(f.client.call('runs.boundary', { id, step: 7 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('edits, deletes and restores runs, and reports changes', async () => {
    const id = await trained();
    await f.client.call('runs.update', { id, name: 'flower', notes: 'first try', addTags: ['best', 'course'] });
    await f.client.call('runs.update', { id, removeTags: ['course'] });
    let row = (await f.client.call('runs.list', {})).runs[0];
    expect(row).toMatchObject({ name: 'flower', notes: 'first try', tags: ['best'] });
    const before = Date.now() - 1;
    await f.client.call('runs.delete', { ids: [id] });
    expect((await f.client.call('runs.list', {})).runs).toHaveLength(0);
    const changed = await f.client.call('runs.list', { since: before });
    expect(changed.runs.map((r) => [r.id, r.deleted])).toEqual([[id, true]]);
    await f.client.call('runs.restore', { ids: [id] });
    row = (await f.client.call('runs.list', {})).runs[0];
    expect(row.deleted).toBe(false);
  });

  it('cancels a long run', async () => {
    const { id } = await f.client.call('runs.start', { config: planarConfig({ iterations: 5_000_000 }) });
    await new Promise((r) => setTimeout(r, 300));
    await f.client.call('runs.cancel', { id });
    await f.api.trainer.wait(id);
    expect((await f.client.call('runs.get', { id })).status).toBe('cancelled');
  });

  it('exports the model JSON and the metrics CSV', async () => {
    const id = await trained();
    const json = await f.client.call('runs.export', { id, format: 'json' });
    expect(json.filename).toMatch(/^planar-test-.{6}\.json$/);
    const model = JSON.parse(new TextDecoder().decode(base64ToBytes(json.data)));
    expect(model.architecture.sizes).toEqual([2, 4, 1]);
    const csv = new TextDecoder().decode(base64ToBytes((await f.client.call('runs.export', { id, format: 'csv' })).data));
    expect(csv.split('\n')[0]).toMatch(/^step,/);
    expect(csv.split('\n')[0].split(',').sort()).toEqual(['learning_rate', 'step', 'test_accuracy', 'test_cost', 'train_accuracy', 'train_cost']);
    expect(csv.trim().split('\n')).toHaveLength(8);
  });

  it('exports ONNX that onnxruntime runs, giving the run\'s own predictions', async () => {
    const id = await trained();
    const file = await f.client.call('runs.export', { id, format: 'onnx' });
    expect(file.filename).toMatch(/\.onnx$/);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(base64ToBytes(file.data));
    const x = new Float32Array([0.5, -1, -2, 3]);
    const output = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [2, 2]) });
    const probs = output[session.outputNames[0]].data as Float32Array;
    expect(probs.length).toBe(2);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    for (const p of probs) expect(p).toBeLessThanOrEqual(1);
    for (const format of ['npz', 'safetensors'] as const) {
      const other = await f.client.call('runs.export', { id, format });
      expect(base64ToBytes(other.data).length).toBeGreaterThan(100);
    }
  });
});

describe('datasets', () => {
  it('lists generators and draws a preview', async () => {
    const list = await f.client.call('datasets.generators', {});
    expect(list.map((g) => g.name)).toContain('planar');
    const p = await f.client.call('datasets.preview', { source: { generator: 'blobs', m: 300, seed: 2 } });
    expect(p.classes).toBe(3);
    expect(p.points.count).toBe(300);
    expect(base64ToFloat32(p.points.xy).length).toBe(600);
  });

  it('refuses a preview with a bad generator at the field', async () => {
    await expect(f.client.call('datasets.preview', { source: { generator: 'flower' as never, m: 10 } })).rejects.toMatchObject({
      code: 'invalid',
      issues: [{ path: 'source.generator' }],
    });
  });
});

describe('sweeps', () => {
  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (ok(v)) return v;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('runs a grid sweep of model.hidden, streams its trials, and ranks them', async () => {
    const spec = { name: 'hidden sizes', base: planarConfig({ iterations: 200 }), parameters: { 'model.hidden': [[1], [2], [3]] } };
    const { id, trials } = await f.client.call('sweeps.start', { spec });
    expect(trials).toBe(3);
    const done = await until(() => f.client.call('sweeps.get', { id }), (s) => s.status === 'completed' && !s.live);
    expect(done.parameters).toEqual(['model.hidden']);
    expect(done.metric).toEqual({ name: 'test_cost', goal: 'minimize' });
    expect(done.trials.map((t) => t.label)).toEqual(['hidden=[1]', 'hidden=[2]', 'hidden=[3]']);
    expect(done.trials.every((t) => t.status === 'completed' && t.runId && t.final)).toBe(true);
    expect(done.trials.map((t) => t.rank).sort()).toEqual([1, 2, 3]);
    expect(done.live).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    const changes = f.events.filter((e) => e.type === 'sweep.changed');
    expect(changes.at(-1)).toMatchObject({ sweepId: id, status: 'completed' });
    const rows = (await f.client.call('runs.list', {})).runs;
    expect(rows.filter((r) => r.sweepId === id).map((r) => r.sweepName)).toEqual(['hidden sizes', 'hidden sizes', 'hidden sizes']);
    expect((await f.client.call('sweeps.list', {})).map((s) => s.id)).toEqual([id]);
    // A trial's run has a boundary like any run.
    const b = await f.client.call('runs.boundary', { id: done.trials[0].runId!, grid: 32 });
    expect(b.boundary.grid).toBe(32);
  }, 120_000);

  it('cancels a sweep and resumes what is left', async () => {
    const spec = { name: 'long', base: planarConfig({ iterations: 400_000 }), parameters: { 'model.hidden': [[1], [2], [3]] } };
    const { id } = await f.client.call('sweeps.start', { spec });
    await until(() => f.client.call('sweeps.get', { id }), (s) => s.trials.some((t) => t.status === 'running'));
    await f.client.call('sweeps.cancel', { id });
    const cancelled = await until(() => f.client.call('sweeps.get', { id }), (s) => s.status === 'cancelled' && !s.live);
    const statuses = cancelled.trials.map((t) => t.status);
    expect(statuses).toContain('cancelled');
    expect(statuses.every((s) => s === 'cancelled' || s === 'pending')).toBe(true);
    await expect(f.client.call('sweeps.cancel', { id })).rejects.toMatchObject({ code: 'conflict' });
    // Cancelled trials are done for good; the ones that never started run on resume.
    const resumed = await f.client.call('sweeps.resume', { id });
    expect(resumed.remaining).toBe(statuses.filter((s) => s === 'pending').length);
    await expect(f.client.call('sweeps.resume', { id })).rejects.toMatchObject({ code: 'conflict' });
    await f.client.call('sweeps.cancel', { id });
    await until(() => f.client.call('sweeps.get', { id }), (s) => !s.live);
  }, 120_000);

  it('reports a bad sweep spec at its paths', async () => {
    const spec = { base: planarConfig(), parameters: { 'train.learning_rate': [0.1, -1], 'model.hiden': [[1]] } };
    const error = (await f.client.call('sweeps.start', { spec }).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('invalid');
    const paths = error.issues!.map((i) => i.path).join('\n');
    expect(paths).toContain('train.learning_rate');
    expect(paths).toContain('model.hiden');
  });
});

describe('exports of a diverged run', () => {
  // gd with α 1000 and L2 1e6 multiplies the weights by about −3·10⁶ per iteration: the
  // cost overflows within 30 iterations and the run keeps its last finite weights, ~1e149.
  const diverging = () => {
    const config = planarConfig({ name: 'diverges' });
    return { ...config, train: { ...config.train, learning_rate: 1000, l2: 1e6, log_every: 1 } };
  };

  it('refuses ONNX, whose float32 weights would be Infinity, naming the weight', async () => {
    const id = await trained(diverging());
    const detail = await f.client.call('runs.get', { id });
    expect(detail.status).toBe('diverged');
    const json = JSON.parse(new TextDecoder().decode(base64ToBytes((await f.client.call('runs.export', { id, format: 'json' })).data)));
    const largest = Math.max(...(json.weights.W1 as number[][]).flat().map(Math.abs));
    expect(largest).toBeGreaterThan(3.5e38);
    const error = await f.client.call('runs.export', { id, format: 'onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('conflict');
    expect((error as ApiError).message).toMatch(new RegExp(`^run ${id} cannot be exported as ONNX: its weight W\\d\\[\\d+, \\d+\\] is -?\\d\\.\\d{3}e\\+\\d+, beyond float32's range`));
    // The float64 formats hold them.
    for (const format of ['npz', 'safetensors'] as const) {
      expect(base64ToBytes((await f.client.call('runs.export', { id, format })).data).length).toBeGreaterThan(100);
    }
  });
});
