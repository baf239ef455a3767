/**
 * The workbench's limit on a run's size (src-api/resources.ts): counted by hand here, and
 * enforced by runs.start and sweeps.start before anything trains (the probe's 10,000 units
 * × 50 layers would have taken the UI's process down rather than fail as a run).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, RESOURCE_LIMITS, runSize, sizeIssues } from '../../src-api';
import { type ApiFixture, openApi, planarConfig } from './helpers';

const huge = () => {
  const config = planarConfig({ name: 'huge' });
  return { ...config, model: { ...config.model, hidden: Array.from({ length: 50 }, () => 10_000) } };
};

describe('runSize', () => {
  it('counts weights and biases layer by layer, and the examples of a step', () => {
    // [2, 4, 1]: (2 + 1)·4 + (4 + 1)·1 = 17 parameters; 200 examples, a quarter held out.
    const small = runSize(planarConfig());
    expect(small).toEqual({ parameters: 17, examples: 150, bytes: 8 * (5 * 17 + 4 * 150 * (4 + 1 + 2)) });
    // 2 inputs, fifty layers of 10,000, 1 output.
    const expected = 3 * 10_000 + 49 * 10_001 * 10_000 + 10_001;
    expect(runSize(huge())!.parameters).toBe(expected);
    expect(expected).toBe(4_900_530_001);
  });

  it('takes a mini-batch as the examples of a step, and sizes a file\'s data only from what it is told', () => {
    const mini = { ...planarConfig(), train: { learning_rate: 0.1, epochs: 3, batch_size: 32 } };
    expect(runSize(mini)!.examples).toBe(32);
    const csv = { data: { train: { csv: { file: '/x.csv', label: 'y', features: ['a', 'b', 'c'] } } }, model: { hidden: [10], output: 'softmax', classes: 4 }, train: { iterations: 5 } };
    expect(runSize(csv)).toMatchObject({ parameters: (3 + 1) * 10 + (10 + 1) * 4, examples: 1 });
    expect(runSize(csv, { inputs: 784, examples: 60_000 })).toMatchObject({ parameters: 785 * 10 + 11 * 4, examples: 60_000 });
    expect(runSize({ model: { hidden: [0] } })).toBeNull();
  });

  it('puts a run over the limit at model.hidden, with its size and what to change', () => {
    expect(sizeIssues(planarConfig())).toEqual([]);
    const [issue] = sizeIssues(huge(), {}, 'config.');
    expect(issue.path).toBe('config.model.hidden');
    expect(issue.message).toMatch(/^this network needs about \d{3} GB to train \(4,900,530,001 parameters; 150 examples per step\); the workbench trains runs of up to 4 GB: use fewer or smaller layers/);
    expect(RESOURCE_LIMITS.maxTrainingBytes).toBe(4 * 1024 ** 3);
  });
});

describe('the API refuses runs too large for the workbench', () => {
  let f: ApiFixture;
  beforeEach(() => {
    f = openApi();
  });
  afterEach(async () => {
    await f.close();
  });

  it('in runs.start, recording nothing', async () => {
    const error = await f.client.call('runs.start', { config: huge() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('invalid');
    expect((error as ApiError).issues?.[0].path).toBe('config.model.hidden');
    expect((error as ApiError).message).toMatch(/4,900,530,001 parameters/);
    expect(f.store.listRuns({})).toHaveLength(0);
  });

  it('in sweeps.start, naming the trial', async () => {
    const spec = { name: 'too wide', base: planarConfig(), method: 'grid', parameters: { 'model.hidden': [[4], [20_000, 20_000, 20_000]] } };
    const error = await f.client.call('sweeps.start', { spec }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).issues?.[0].path).toBe('trial 1: model.hidden');
    expect(f.store.listSweeps()).toHaveLength(0);
  });
});
