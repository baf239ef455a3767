/**
 * runs.boundary through the API (src-main/api/service.ts): its grid comes from the boundary
 * workers, its points and confusion matrix from this process, and the whole answer must be
 * what a single-thread evaluation (evaluatePoints and boundaryGrid) gives for the same weights, bit for bit: for the
 * final weights, for checkpoints, asked for many at once and again (the kept points); and
 * the same answer must cross both transports (WebSocket, Electron IPC) intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { base64ToBytes, base64ToFloat32 } from '../../src-api';
import { parseRunConfig } from '../../src-core/config';
import { prepareExperiment } from '../../src-core/experiment';
import { modelFromJson } from '../../src-core/model-file';
import { Network } from '../../src-core/network';
import { boundaryGrid, evaluatePoints } from '../../src-main/api/boundary';
import { checkpointMatrices, loadCheckpoints } from '../../src-main/api/checkpoints';
import { filesRelativeTo } from '../../src-main/data/files';
import { LayerlabApi } from '../../src-main/api/service';
import { CHANNELS, registerIpc } from '../../src-main/electron/ipc';
import { startUiServer } from '../../src-main/ui-server/server';
import { type ApiFixture, FakeIpcMain, openApi, planarConfig } from './helpers';

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
  // All in this thread: the points as the API makes them, the grid from the float32 copy.
  const points = evaluatePoints(prepared, network);
  return { ...points, grid: boundaryGrid(network, grid, points.bounds, prepared.preprocessing) };
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

  it('has its workers started when a renderer connects over a transport, not for an in-process client', async () => {
    for (const transport of ['websocket', 'ipc', 'memory'] as const) {
      const api = new LayerlabApi({ store: f.store, transport });
      try {
        expect(api.boundaries.started).toBe(0);
        const connection = api.connect({ send: () => {} });
        expect(api.boundaries.started, transport).toBe(transport === 'memory' ? 0 : 2);
        connection.close();
      } finally {
        await api.close();
      }
    }
  });

  it('answers many at once, and again, each its own', async () => {
    const steps = (await f.client.call('runs.get', { id })).checkpoints;
    const asks = [undefined, ...steps, undefined, ...steps.slice().reverse()].map((step, i) => ({ step, grid: 20 + (i % 5) * 17 }));
    const answers = await Promise.all(asks.map((a) => f.client.call('runs.boundary', { id, ...a })));
    for (const [i, a] of asks.entries()) expectSame(answers[i], await expected(a.step, a.grid), `request ${i} (step ${a.step ?? 'final'})`);
  });
});

describe('runs.boundary over the transports', () => {
  /** Requests whose answers must be the same everywhere, and bad ones with their error codes. */
  async function cases() {
    const steps = (await f.client.call('runs.get', { id })).checkpoints;
    return {
      good: [{ id, grid: 200 }, { id, step: steps[1], grid: 77 }],
      bad: [
        { params: { id, grid: 1 }, code: 'invalid' },
        { params: { id, grid: 401 }, code: 'invalid' },
        { params: { id, step: 7 }, code: 'not-found' },
        { params: { id: 'nosuchrun' }, code: 'not-found' },
      ],
    };
  }

  it('crosses the WebSocket intact, and refuses bad requests with their codes', async () => {
    const site = mkdtempSync(join(tmpdir(), 'layerlab-site-'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Layerlab</title>');
    const server = await startUiServer({ api: f.api, rendererDir: site });
    try {
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { origin: `http://127.0.0.1:${server.port}` } });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      const waiting = new Map<number, (m: any) => void>();
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString());
        if (typeof m.id === 'number') waiting.get(m.id)?.(m);
      });
      let n = 0;
      const call = (method: string, params: unknown) =>
        new Promise<any>((resolve) => {
          const requestId = ++n;
          waiting.set(requestId, resolve);
          ws.send(JSON.stringify({ id: requestId, method, params }));
        });
      const { good, bad } = await cases();
      for (const params of good) {
        const [over, here] = await Promise.all([call('runs.boundary', params), f.client.call('runs.boundary', params)]);
        expect(over.ok).toBe(true);
        expect(over.result).toEqual(JSON.parse(JSON.stringify(here)));
      }
      for (const b of bad) {
        const answer = await call('runs.boundary', b.params);
        expect(answer.ok, JSON.stringify(b.params)).toBe(false);
        expect(answer.error.code, JSON.stringify(b.params)).toBe(b.code);
      }
      ws.close();
    } finally {
      await server.close();
      rmSync(site, { recursive: true, force: true });
    }
  });

  it('crosses Electron IPC intact, and refuses bad requests with their codes', async () => {
    const ipc = new FakeIpcMain();
    const unregister = registerIpc(ipc as never, {
      api: f.api,
      isTrustedUrl: (url) => url === 'file:///app/index.html',
      saveFile: async () => null,
      openFile: async () => null,
    });
    try {
      const sender = { id: 7, send: () => {}, isDestroyed: () => false, once: () => {} };
      const ev = { sender, senderFrame: { url: 'file:///app/index.html', parent: null } };
      let n = 0;
      const call = async (method: string, params: unknown) =>
        JSON.parse((await ipc.invoke(CHANNELS.request, ev, JSON.stringify({ id: ++n, method, params }))) as string);
      const { good, bad } = await cases();
      for (const params of good) {
        const [over, here] = await Promise.all([call('runs.boundary', params), f.client.call('runs.boundary', params)]);
        expect(over.ok).toBe(true);
        expect(over.result).toEqual(JSON.parse(JSON.stringify(here)));
        expect(base64ToFloat32(over.result.boundary.probs).length).toBe(params.grid * params.grid);
      }
      for (const b of bad) {
        const answer = await call('runs.boundary', b.params);
        expect(answer.error.code, JSON.stringify(b.params)).toBe(b.code);
      }
    } finally {
      unregister();
    }
  });
});
