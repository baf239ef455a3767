/** The live display: a redrawn block on a terminal, one line per finished trial elsewhere. */
import { describe, expect, it } from 'vitest';
import { parseSweepSpec } from '../../src-core/sweep-spec';
import type { TrialState } from '../../src-main/sweep/driver';
import { ProgressDisplay, rankedTable } from '../../src-main/sweep/display';
import { smallBase } from '../fixtures/sweep/helpers';

function source() {
  const result = parseSweepSpec({ base: smallBase(), parameters: { 'model.hidden': [[1], [2], [3]] } });
  if (!result.ok) throw new Error('bad spec');
  const plan = result.plan;
  const trials: TrialState[] = plan.trials.map((t) => ({
    ...t,
    status: 'pending',
    runId: null,
    earlierRuns: [],
    progress: null,
    pid: null,
    final: null,
    reason: null,
    startedAt: null,
    finishedAt: null,
  }));
  return { id: 'sw1', plan, trials, isPaused: false };
}

const final = (train_cost: number) => ({ train_cost, train_accuracy: 0.9, test_cost: null, test_accuracy: null });

describe('the progress display', () => {
  it('on a terminal, redraws a block: the overall bar, then each running trial', () => {
    const s = source();
    const written: string[] = [];
    const display = new ProgressDisplay(s, { write: (t) => written.push(t), isTTY: true, columns: 120 });
    Object.assign(s.trials[0], { status: 'completed', final: final(0.5) });
    Object.assign(s.trials[1], { status: 'running', progress: { step: 1200, totalSteps: 5000, cost: 0.28808 } });
    expect(display.render()).toEqual([
      expect.stringMatching(/^sweep sw1 \[########----------------\] 1\/3 trials \(1 completed\), 1 running, \d+ s$/),
      '  trial 1  hidden=[2]  1200/5000  cost 0.288080',
    ]);
    display.start();
    display.stop();
    expect(written[0]).toBe(`${display.render().join('\n')}\n`);
    // stop() moves up over the block and clears it.
    expect(written.at(-1)).toBe('\x1b[2A\x1b[0J');
  });

  it('elsewhere, prints one line per finished trial and nothing else', () => {
    const s = source();
    const written: string[] = [];
    const display = new ProgressDisplay(s, { write: (t) => written.push(t), isTTY: false });
    display.start();
    Object.assign(s.trials[2], { status: 'failed', reason: 'the trial process was killed by SIGKILL', startedAt: 1000, finishedAt: 2500 });
    display.onEvent({ type: 'trial', trial: s.trials[2] });
    Object.assign(s.trials[0], { status: 'completed', final: final(0.25), startedAt: 1000, finishedAt: 1200 });
    display.onEvent({ type: 'trial', trial: s.trials[0] });
    display.onEvent({ type: 'progress', trial: s.trials[1] });
    display.stop();
    expect(written).toEqual([
      '[1/3] trial 2 failed in 1.5 s  hidden=[3]: the trial process was killed by SIGKILL\n',
      '[2/3] trial 0 completed in 0.2 s  hidden=[1]  train_cost 0.250000\n',
    ]);
  });

  it('ranks the trials best first, those without a value last, with the reasons of the others', () => {
    const s = source();
    Object.assign(s.trials[0], { status: 'completed', final: final(0.5), runId: 'r0' });
    Object.assign(s.trials[1], { status: 'failed', reason: 'boom', runId: 'r1' });
    Object.assign(s.trials[2], { status: 'stopped', final: final(0.25), reason: 'median rule: …', runId: 'r2' });
    expect(rankedTable({ trials: s.trials, metric: s.plan.metric }, s.plan)).toBe(
      [
        'rank  trial  hidden  status     train_cost  train_accuracy  run',
        '   1      2  [3]     stopped      0.250000          90.00%  r2',
        '   2      0  [1]     completed    0.500000          90.00%  r0',
        '   -      1  [2]     failed              -               -  r1',
        '  trial 1 failed: boom',
        '  trial 2 stopped: median rule: …',
      ].join('\n'),
    );
  });
});
