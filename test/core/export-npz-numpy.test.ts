// The .npz export checked by a consumer we did not write: NumPy. Python loads the
// file with np.load, reports each array's shape and dtype, and reproduces the
// predictions with the course's forward formulas (X as (n_x, m), Z = W @ A + b);
// they must match Layerlab's to 1e-12. Skipped, with the reason, where python3
// with NumPy is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportNpz } from '../../src-core/export';
import { fromMatrix } from '../../src-core/io/ndarray';
import { writeNpy } from '../../src-core/io/npy';
import { Matrix } from '../../src-core/matrix';
import { applyPreprocessing } from '../../src-core/preprocess';
import { expectClose } from '../helpers/fixtures';
import { randomInputs, randomModel } from '../fixtures/export/models';

const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const numpy = probe.status === 0 ? probe.stdout.trim() : null;
const reason = probe.error ? 'python3 is not installed' : 'python3 has no NumPy';
if (!numpy) console.warn(`export-npz-numpy: skipped: ${reason}`);

// The course's forward pass, in NumPy, from nothing but the .npz file.
const SCRIPT = String.raw`
import json, sys
import numpy as np
f = np.load(sys.argv[1])
X = np.load(sys.argv[2])
model = json.loads(f["layerlab_model"].tobytes().decode("utf-8"))
arch = model["architecture"]
L = len(arch["sizes"]) - 1
def g(name, Z):
    if name == "sigmoid": return 1 / (1 + np.exp(-Z))
    if name == "tanh": return np.tanh(Z)
    if name == "relu": return np.maximum(0, Z)
    if name == "leaky_relu": return np.where(Z > 0, Z, arch["leaky_slope"] * Z)
A = (X * f["preprocessing_scale"] - f["preprocessing_mean"]) / f["preprocessing_std"]
for l in range(1, L + 1):
    Z = f["W%d" % l] @ A + f["b%d" % l]
    if l < L:
        A = g(arch["activations"][l - 1], Z)
    elif arch["output"] == "sigmoid":
        A = 1 / (1 + np.exp(-Z))
    elif arch["output"] == "softmax":
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        A = E / E.sum(axis=0, keepdims=True)
    else:
        A = Z
print(json.dumps({
    "arrays": {k: {"shape": list(f[k].shape), "dtype": str(f[k].dtype)} for k in f.files},
    "W1": f["W1"].ravel().tolist(),
    "predictions": A.ravel().tolist(),
    "shape": list(A.shape),
}))
`;

const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-npz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  { activations: ['tanh', 'relu'], output: 'sigmoid', out: 1 },
  { activations: ['leaky_relu', 'sigmoid'], output: 'softmax', out: 3 },
  { activations: ['relu', 'tanh'], output: 'linear', out: 2 },
] as const;

describe(`npz export read by NumPy ${numpy ?? `(skipped: ${reason})`}`, () => {
  it.skipIf(!numpy).each(cases)('np.load gives the course shapes and reproduces $activations → $output predictions', ({ activations, output, out }) => {
    const model = randomModel({ sizes: [3, 6, 4, out], activations: [...activations], output, leakySlope: 0.05, seed: 11 });
    const m = 25;
    const X = Matrix.from(3, m, randomInputs(3, m));
    const npz = path.join(dir, `${output}.npz`);
    const xFile = path.join(dir, `${output}-X.npy`);
    writeFileSync(npz, exportNpz(model));
    writeFileSync(xFile, writeNpy(fromMatrix(X)));
    const run = spawnSync('python3', ['-c', SCRIPT, npz, xFile], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const got = JSON.parse(run.stdout) as {
      arrays: Record<string, { shape: number[]; dtype: string }>;
      W1: number[];
      predictions: number[];
      shape: number[];
    };
    expect(got.arrays.W1).toEqual({ shape: [6, 3], dtype: 'float64' });
    expect(got.arrays.b1).toEqual({ shape: [6, 1], dtype: 'float64' });
    expect(got.arrays.W3).toEqual({ shape: [out, 4], dtype: 'float64' });
    expect(got.arrays.b3).toEqual({ shape: [out, 1], dtype: 'float64' });
    expect(got.arrays.preprocessing_scale).toEqual({ shape: [], dtype: 'float64' });
    expect(got.arrays.preprocessing_mean).toEqual({ shape: [3, 1], dtype: 'float64' });
    expect(got.arrays.layerlab_model.dtype).toBe('uint8');
    expect(got.W1).toEqual(Array.from(model.network.W[0].data));
    expect(got.shape).toEqual([out, m]);
    const ours = model.network.predict(applyPreprocessing(X, model.preprocessing));
    expectClose(got.predictions, ours.data, 1e-12, `${output} predictions`);
  });
});

