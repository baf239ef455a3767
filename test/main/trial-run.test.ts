/** trainRun through a recorder other than the store: what a sweep trial's process uses. */
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../../src-core/config';
import { filesRelativeTo } from '../../src-main/data/files';
import { type RunRecorder, trainRun } from '../../src-main/runner/train-run';
import type { MetricPoint } from '../../src-main/store';

function config(iterations: number, logEvery = 100): RunConfig {
  const result = parseRunConfig({
    data: { train: { generator: 'planar', m: 100, seed: 1, rng: 'numpy' } },
    model: { hidden: [4], activation: 'tanh' },
    train: { learning_rate: 1.2, iterations, log_every: logEvery },
  });
  if (!result.ok) throw new Error('bad config');
  return result.config;
}

/** Records every call, as the sweep driver would receive them. */
function memoryRecorder() {
  const calls: string[] = [];
  const points: MetricPoint[] = [];
  let finished: { status: string; details?: { error?: string; summary?: string } } | null = null;
  const recorder: RunRecorder = {
    startRun: (id) => void calls.push(`start ${id}`),
    appendMetrics: (_id, p) => void points.push(...p),
    finishRun: (id, status, details) => {
      calls.push(`finish ${id} ${status}`);
      finished = { status, details };
    },
    saveWeights: (id, bytes, format) => void calls.push(`weights ${id} ${format} ${bytes.byteLength > 100}`),
  };
  return { recorder, calls, points, finished: () => finished };
}

describe('trainRun with a recorder', () => {
  it('records start, every logged entry, the weights and the end', async () => {
    const m = memoryRecorder();
    const progress: number[] = [];
    const outcome = await trainRun({
      store: m.recorder,
      runId: 'r1',
      config: config(300),
      files: filesRelativeTo('.'),
      onProgress: (e) => progress.push(e.step),
      progressEvery: 25,
    });
    expect(outcome.status).toBe('completed');
    expect(m.calls).toEqual(['start r1', 'weights r1 layerlab-model-json true', 'finish r1 completed']);
    expect(m.points.filter((p) => p.key === 'train_cost').map((p) => p.step)).toEqual([0, 100, 200, 299]);
    expect(progress.filter((s) => s % 25 === 0)).toHaveLength(12);
    expect(progress).toContain(299);
    expect(JSON.parse(m.finished()!.details!.summary!).final.train_cost).toBeCloseTo(outcome.final!.train_cost, 12);
  });

  it('needs a run id when the recorder cannot create runs', async () => {
    const m = memoryRecorder();
    await expect(trainRun({ store: m.recorder, config: config(10), files: filesRelativeTo('.') })).rejects.toThrow(/needs a runId/);
  });

  it('ends as stopped, with the reason, history and weights, when the stop signal fires', async () => {
    const m = memoryRecorder();
    const stop = new AbortController();
    const outcome = await trainRun({
      store: m.recorder,
      runId: 'r2',
      config: config(1_000_000, 50),
      files: filesRelativeTo('.'),
      stopSignal: stop.signal,
      onEntry: (entry) => {
        if (entry.iteration === 200) stop.abort('median rule: worse than the others');
      },
    });
    expect(outcome.status).toBe('stopped');
    expect(outcome.reason).toBe('median rule: worse than the others');
    expect(outcome.history.length).toBeGreaterThanOrEqual(5);
    expect(m.calls).toEqual(['start r2', 'weights r2 layerlab-model-json true', 'finish r2 stopped']);
  });

  it('ends as cancelled when the cancel signal fires, even if a stop was asked too', async () => {
    const m = memoryRecorder();
    const stop = new AbortController();
    const cancel = new AbortController();
    const outcome = await trainRun({
      store: m.recorder,
      runId: 'r3',
      config: config(1_000_000, 50),
      files: filesRelativeTo('.'),
      stopSignal: stop.signal,
      signal: cancel.signal,
      onEntry: (entry) => {
        if (entry.iteration === 100) {
          stop.abort('x');
          cancel.abort();
        }
      },
    });
    expect(outcome.status).toBe('cancelled');
  });
});
