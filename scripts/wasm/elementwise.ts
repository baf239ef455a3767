/** Generates the WAT text of the elementwise kernels (activations, bias, reductions). */
import type { Variant } from './build';

export function elementwiseFunctions(_variant: Variant): string {
  return '';
}
