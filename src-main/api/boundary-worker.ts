/**
 * A boundary worker thread: computes rows of decision-boundary grids for the API process
 * (boundary-pool.ts), so that neither the API's event loop nor, in Electron, the main
 * process spends a frame on them. It keeps what it was sent: networks' parameters by key
 * (a run and step), least recently used dropped first, and grid inputs by grid, extent,
 * preprocessing and rows, so a replay over checkpoints sends each network once.
 *
 * Each part is computed exactly as boundaryGrid computes the whole grid (the float32 copy,
 * equal batches of at most 2048 columns), so the parts joined are the same picture.
 */
import { parentPort } from 'node:worker_threads';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import { batchSize, cachedGridInputs } from './boundary';
import { type FromBoundaryWorker, type NetworkSpec, type ToBoundaryWorker, WORKER_NETWORKS } from './boundary-pool';

interface Parameters {
  spec: NetworkSpec;
  arch: string;
  W: Matrix[];
  b: Matrix[];
}

const parameters = new Map<string, Parameters>();
/** Float32 networks by architecture, with their workspaces; parameters are set per request. */
const networks = new Map<string, Network>();
const NETWORKS = 4;

/** Most recently used last: the first key is the one to drop. */
function touch<V>(map: Map<string, V>, key: string, value: V, limit: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}

function networkOf(spec: NetworkSpec): Parameters {
  const { sizes } = spec;
  if (spec.W.length !== sizes.length - 1 || spec.b.length !== sizes.length - 1) {
    throw new Error(`a network of ${sizes.length - 1} layers needs as many W and b; got ${spec.W.length} and ${spec.b.length}`);
  }
  return {
    spec,
    arch: JSON.stringify([sizes, spec.activations, spec.output, spec.leakySlope]),
    W: spec.W.map((w, l) => new Matrix(sizes[l + 1], sizes[l], w)),
    b: spec.b.map((b, l) => new Matrix(sizes[l + 1], 1, b)),
  };
}

function compute(message: ToBoundaryWorker): FromBoundaryWorker {
  const started = performance.now();
  const { id, key, grid, bounds, preprocessing, rows } = message;
  let params = parameters.get(key);
  if (message.network) {
    const spec = message.network;
    params = networkOf(spec);
    touch(parameters, key, params, WORKER_NETWORKS);
  } else if (params) {
    touch(parameters, key, params, WORKER_NETWORKS);
  } else {
    return { type: 'missing', id };
  }
  const { spec, arch } = params;
  const net = networks.get(arch) ?? new Network({ sizes: spec.sizes, activations: spec.activations, output: spec.output, leakySlope: spec.leakySlope, precision: 'float32' });
  touch(networks, arch, net, NETWORKS);
  net.setParameters(params.W, params.b);
  const X = cachedGridInputs(grid, bounds, preprocessing, rows);
  const A = net.predict(X, batchSize(X.cols));
  return { type: 'grid', id, outputs: A.rows, probs: A.data as Float32Array, ms: performance.now() - started };
}

const port = parentPort!;
port.on('message', (message: ToBoundaryWorker) => {
  if (message?.type !== 'grid') return;
  let answer: FromBoundaryWorker;
  try {
    answer = compute(message);
  } catch (error) {
    answer = { type: 'error', id: message.id, message: (error as Error).message ?? String(error) };
  }
  port.postMessage(answer, answer.type === 'grid' ? [answer.probs.buffer as ArrayBuffer] : []);
});
// Loaded: from here the pool times each part (a stuck worker is ended).
port.postMessage({ type: 'ready' } satisfies FromBoundaryWorker);
