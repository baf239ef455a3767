/**
 * Which kernels the core uses, and the shared arena they run in.
 *
 * The kernel module (kernels-binary.ts, built by scripts/wasm/build.ts) comes in
 * two variants: `relaxed` uses relaxed-SIMD fused multiply-add, `baseline` only
 * 128-bit SIMD. The first that the runtime validates is compiled, synchronously
 * (so the core needs no async start-up), the first time a network asks for it.
 * Where neither validates, the plain TypeScript kernels (../kernels.ts) run, as
 * they also do when `useKernels('reference')` says so (tests, the bench).
 *
 * One arena per variant serves every network in the process: a network, its
 * trainer and its data must share a memory for the kernels to see them all.
 */
import { Arena } from './arena';
import { BASELINE_WASM_BASE64, RELAXED_WASM_BASE64 } from './kernels-binary';
import { type MatrixKernels, REFERENCE_KERNELS, wasmKernels } from './kernels';

export type WasmVariant = 'relaxed' | 'baseline';
/** What to use: the best WebAssembly variant the runtime has, a given one, or the TypeScript kernels. */
export type KernelChoice = 'auto' | WasmVariant | 'reference';

let choice: KernelChoice = 'auto';
const modules = new Map<WasmVariant, WebAssembly.Module | null>();
const arenas = new Map<WasmVariant, Arena>();
const kernelSets = new Map<WasmVariant, MatrixKernels>();

/**
 * Sets the kernels for networks created from now on (existing ones keep theirs).
 * Asking for a variant the runtime cannot run throws.
 */
export function useKernels(next: KernelChoice): void {
  checkChoice(next);
  if ((next === 'relaxed' || next === 'baseline') && !compiled(next)) {
    throw new Error(`this runtime cannot run the ${next} WebAssembly kernels${next === 'relaxed' ? ' (relaxed SIMD is off; Node 20 needs --experimental-wasm-relaxed-simd)' : ''}`);
  }
  choice = next;
}

const CHOICES: readonly KernelChoice[] = ['auto', 'relaxed', 'baseline', 'reference'];

function checkChoice(which: unknown): void {
  if (!CHOICES.includes(which as KernelChoice)) {
    throw new Error(`unknown kernels ${JSON.stringify(which)}: expected one of ${CHOICES.join(', ')}`);
  }
}

/** The kernels new networks get: a WebAssembly variant, or 'reference'. */
export function activeKernels(): WasmVariant | 'reference' {
  return choice === 'auto' ? best() : choice;
}

function best(): WasmVariant | 'reference' {
  if (compiled('relaxed')) return 'relaxed';
  if (compiled('baseline')) return 'baseline';
  return 'reference';
}

/** Whether the runtime validates (and so can run) the given variant. */
export function supports(variant: WasmVariant): boolean {
  return compiled(variant) !== null;
}

/** The kernels for a choice (default: the current one, see useKernels). */
export function kernelsFor(which: KernelChoice = choice): MatrixKernels {
  checkChoice(which);
  const resolved = which === 'auto' ? best() : which;
  if (resolved === 'reference') return REFERENCE_KERNELS;
  let set = kernelSets.get(resolved);
  if (!set) {
    set = wasmKernels(arenaFor(resolved), `wasm-${resolved}`);
    kernelSets.set(resolved, set);
  }
  return set;
}

/** The arena of the active variant, or null when the TypeScript kernels are active. */
export function activeArena(): Arena | null {
  const variant = activeKernels();
  return variant === 'reference' ? null : arenaFor(variant);
}

/** The shared arena of a variant the runtime supports. */
export function arenaFor(variant: WasmVariant): Arena {
  let arena = arenas.get(variant);
  if (!arena) {
    const module = compiled(variant);
    if (!module) throw new Error(`this runtime cannot run the ${variant} WebAssembly kernels`);
    arena = new Arena(module);
    arenas.set(variant, arena);
  }
  return arena;
}

function compiled(variant: WasmVariant): WebAssembly.Module | null {
  if (!modules.has(variant)) modules.set(variant, compile(variant === 'relaxed' ? RELAXED_WASM_BASE64 : BASELINE_WASM_BASE64));
  return modules.get(variant)!;
}

function compile(base64: string): WebAssembly.Module | null {
  if (typeof WebAssembly !== 'object') return null;
  const bytes = decodeBase64(base64);
  try {
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with padding) to bytes; the core has neither atob nor Buffer. */
export function decodeBase64(text: string): Uint8Array {
  const value = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) value[ALPHABET.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = value[clean.charCodeAt(i)];
    if (v < 0) throw new Error(`base64: unexpected character at ${i}`);
    bits = (bits << 6) | v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[o++] = (bits >> count) & 0xff;
    }
  }
  return out;
}
