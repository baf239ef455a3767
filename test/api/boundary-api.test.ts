/**
 * runs.boundary through the API (src-main/api/service.ts): its grid comes from the boundary
 * workers, its points and confusion matrix from this process, and the whole answer must be
 * what the single-thread evaluateBoundary gives for the same weights, bit for bit: for the
 * final weights, for checkpoints, asked for many at once and again (the kept points).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64ToBytes, base64ToFloat32 } from '../../src-api';
import { parseRunConfig } from '../../src-core/config';
import { prepareExperiment } from '../../src-core/experiment';
import { modelFromJson } from '../../src-core/model-file';
import { Network } from '../../src-core/network';
import { evaluateBoundary } from '../../src-main/api/boundary';
import { checkpointMatrices, loadCheckpoints } from '../../src-main/api/checkpoints';
import { filesRelativeTo } from '../../src-main/data/files';
import { type ApiFixture, openApi, planarConfig } from './helpers';

let f: ApiFixture;
let id: string;
beforeAll(async () => {
  f = openApi();
  ({ id } = await f.client.call('runs.start', { config: planarConfig({ hidden: [6], iterations: 300 }) }));
  await f.api.trainer.wait(id);
});
afterAll(async () => {
  await f.close();
});

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** The single-thread answer for the run's weights at `step` (final when undefined). */
async function expected(step: number | undefined, grid: number) {
  const run = f.store.getRun(id);
  const parsed = parseRunConfig(JSON.parse(run.config));
  if (!parsed.ok) throw new Error('the run config does not parse');
  const prepared = await prepareExperiment(parsed.config, filesRelativeTo('/'));
  let network: Network;
  if (step === undefined) {
    network = modelFromJson(JSON.parse(new TextDecoder().decode(f.store.loadWeights(id)!.bytes))).network;
  } else {
    const { sizes, list } = loadCheckpoints(f.dir, id);
    network = new Network({ ...prepared.network.architecture, leakySlope: parsed.config.model.leaky_slope });
    const { W, b } = checkpointMatrices(sizes, list.find((c) => c.step === step)!);
    network.setParameters(W, b);
  }
  return evaluateBoundary(prepared, network, grid);
}

function expectSame(answer: Awaited<ReturnType<typeof f.client.call<'runs.boundary'>>>, e: Awaited<ReturnType<typeof expected>>, what: string) {
  expect(answer.boundary.grid, what).toBe(e.grid.grid);
  expect(answer.boundary.bounds, what).toEqual(e.bounds);
  expect(bits(base64ToFloat32(answer.boundary.probs)), what).toEqual(bits(e.grid.probs));
  expect(Array.from(base64ToFloat32(answer.train.xy)), what).toEqual(Array.from(e.train.xy));
  expect(base64ToBytes(answer.train.label), what).toEqual(e.train.label);
  expect(base64ToBytes(answer.train.predicted!), what).toEqual(e.train.predicted);
  expect(base64ToBytes(answer.test!.predicted!), what).toEqual(e.test!.predicted);
  expect(answer.confusion, what).toEqual(e.confusion);
  expect(answer.confusionSet, what).toBe(e.confusionSet);
}

describe('runs.boundary', () => {
  it('answers the single-thread picture, points and confusion matrix, for the final weights and checkpoints', async () => {
    const steps = (await f.client.call('runs.get', { id })).checkpoints;
    expect(steps.length).toBeGreaterThan(2);
    expectSame(await f.client.call('runs.boundary', { id, grid: 101 }), await expected(undefined, 101), 'final');
    for (const step of [steps[0], steps[2]]) {
      const answer = await f.client.call('runs.boundary', { id, step, grid: 64 });
      expect(answer.boundary.step).toBe(step);
      expectSame(answer, await expected(step, 64), `step ${step}`);
    }
    expect(f.api.boundaries.started).toBe(2);
  });

  it('answers many at once, and again, each its own', async () => {
    const steps = (await f.client.call('runs.get', { id })).checkpoints;
    const asks = [undefined, ...steps, undefined, ...steps.slice().reverse()].map((step, i) => ({ step, grid: 20 + (i % 5) * 17 }));
    const answers = await Promise.all(asks.map((a) => f.client.call('runs.boundary', { id, ...a })));
    for (const [i, a] of asks.entries()) expectSame(answers[i], await expected(a.step, a.grid), `request ${i} (step ${a.step ?? 'final'})`);
  });
});
