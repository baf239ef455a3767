/** Generates the WAT text of the GEMM kernels (NN, NT, TN; float32 and float64). */
import type { Variant } from './build';

export function gemmFunctions(_variant: Variant): string {
  return '';
}
