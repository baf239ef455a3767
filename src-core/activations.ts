/**
 * Hidden-layer activations. Each is a small object with `forward` (A = g(Z)) and
 * `backward` (dZ = dA ⊙ g'(Z)); adding one is one object and one table entry.
 */
import type { FloatArray } from './matrix';
import * as k from './kernels';

export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

export interface Activation {
  readonly name: ActivationName;
  forward(Z: FloatArray, A: FloatArray): void;
  backward(dA: FloatArray, Z: FloatArray, A: FloatArray, dZ: FloatArray): void;
}

/** The leaky relu's slope for negative inputs, unless the config says otherwise. */
export const DEFAULT_LEAKY_SLOPE = 0.01;

/** One entry per activation; leaky_relu takes its slope, the others ignore it. */
const ACTIVATIONS: Record<ActivationName, (leakySlope: number) => Activation> = {
  sigmoid: () => ({
    name: 'sigmoid',
    forward: k.sigmoidForward,
    backward: (dA, _Z, A, dZ) => k.sigmoidBackward(dA, A, dZ),
  }),
  tanh: () => ({
    name: 'tanh',
    forward: k.tanhForward,
    backward: (dA, _Z, A, dZ) => k.tanhBackward(dA, A, dZ),
  }),
  relu: () => ({
    name: 'relu',
    forward: (Z, A) => k.reluForward(Z, A, 0),
    backward: (dA, Z, _A, dZ) => k.reluBackward(dA, Z, dZ, 0),
  }),
  leaky_relu: (slope) => ({
    name: 'leaky_relu',
    forward: (Z, A) => k.reluForward(Z, A, slope),
    backward: (dA, Z, _A, dZ) => k.reluBackward(dA, Z, dZ, slope),
  }),
};

export function makeActivation(name: ActivationName, leakySlope = DEFAULT_LEAKY_SLOPE): Activation {
  return ACTIVATIONS[name](leakySlope);
}

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
